package org.hapager.workload.tpcc;

import java.util.SplittableRandom;

/**
 * The run-time constants C of {@code NURand(A, x, y)} (TPC-C clause 2.1.6), one per value of A: 255 for
 * customer last names, 1023 for customer ids, 8191 for item ids. Chosen once per run and shared by every
 * terminal.
 *
 * <p>Clause 2.1.6.1 ties the last-name constant of a run to the one the database was loaded with: their
 * difference must lie in [65, 119] and be neither 96 nor 112. The load constant is not stored in the nine
 * tables, so the loader always uses {@link #LOAD_C_LAST} and {@link #forRun} picks a run constant that
 * satisfies the rule against it.
 */
public record NURandConstants(int cLast, int cId, int olIId) {

    /** The C_LAST constant every load uses (documented, so a run can satisfy clause 2.1.6.1 against it). */
    public static final int LOAD_C_LAST = 157;

    public NURandConstants {
        check("cLast", cLast, 255);
        check("cId", cId, 1023);
        check("olIId", olIId, 8191);
    }

    /** Constants for loading a database: C_LAST is {@link #LOAD_C_LAST}, the others random. */
    public static NURandConstants forLoad(SplittableRandom random) {
        return new NURandConstants(LOAD_C_LAST, random.nextInt(1024), random.nextInt(8192));
    }

    /** Constants for a run against a database loaded with {@link #forLoad}: C_LAST obeys clause 2.1.6.1. */
    public static NURandConstants forRun(SplittableRandom random) {
        int cLast;
        do {
            cLast = random.nextInt(256);
        } while (!validRunCLast(cLast, LOAD_C_LAST));
        return new NURandConstants(cLast, random.nextInt(1024), random.nextInt(8192));
    }

    /** Clause 2.1.6.1: |C_run - C_load| in [65, 119], and not 96 or 112. */
    public static boolean validRunCLast(int runCLast, int loadCLast) {
        int delta = Math.abs(runCLast - loadCLast);
        return delta >= 65 && delta <= 119 && delta != 96 && delta != 112;
    }

    private static void check(String name, int value, int a) {
        if (value < 0 || value > a) {
            throw new IllegalArgumentException(name + " = " + value + " is outside [0, " + a + "]");
        }
    }
}
