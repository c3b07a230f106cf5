package org.hapager.workload.pgbench;

/**
 * An expression that cannot be evaluated (division by zero, overflow, a bad argument): the message says what,
 * and the command that evaluated it turns it into a {@link ScriptException} with the script's file and line.
 */
final class EvalException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    EvalException(String message) {
        super(message, null, false, false);
    }
}
