package org.hapager.workload.pgbench;

/**
 * A script that cannot be read, parsed or run: the message is {@code FILE:LINE: what is wrong}, or
 * {@code FILE: what is wrong} when the error concerns the whole file (it cannot be read, it is empty, its
 * weight is invalid), or just what is wrong when no file is concerned. Unchecked: it is thrown by the parser
 * and, at run time, out of {@link org.hapager.workload.driver.WorkloadClient#execute}, where the driver
 * counts it as a failed transaction.
 */
public final class ScriptException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String problem;

    /**
     * @param file    the script's file name as the user gave it, or null
     * @param line    1-based line, or 0 for the whole file
     * @param problem what is wrong, without the location
     */
    public ScriptException(String file, int line, String problem) {
        this(file, line, problem, null);
    }

    public ScriptException(String file, int line, String problem, Throwable cause) {
        super(location(file, line) + problem, cause);
        this.file = file;
        this.line = line;
        this.problem = problem;
    }

    /** The file name as given (a path, or {@code builtin:NAME}); null if the error concerns no file. */
    public String file() {
        return file;
    }

    /** The 1-based line, or 0 when the error concerns the whole file. */
    public int line() {
        return line;
    }

    /** The message without its {@code FILE:LINE: } prefix. */
    public String problem() {
        return problem;
    }

    /** {@code FILE:LINE: }, {@code FILE: } or nothing. */
    static String location(String file, int line) {
        if (file == null) {
            return "";
        }
        return line > 0 ? file + ":" + line + ": " : file + ": ";
    }
}
