package org.hapager.workload.driver;

/**
 * A transaction that failed (any error but a deadlock or lock time-out that a retry got past).
 *
 * @param type       the transaction type's name, or {@code connect} for a failed reconnect
 * @param atSeconds  since the start of the run
 * @param sqlState   the SQLState, or null when the error was not an SQLException
 * @param message    the exception's class and message
 * @param stackTrace the full stack trace, causes included
 */
public record FailureInfo(String type, double atSeconds, String sqlState, String message, String stackTrace) {
}
