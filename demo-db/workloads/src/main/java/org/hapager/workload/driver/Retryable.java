package org.hapager.workload.driver;

import java.sql.SQLException;
import java.util.Set;

/**
 * Which database errors a workload rolls back and retries rather than counting as failures: deadlock victims
 * and lock time-outs. Shared by every workload (TPC-C's transactions, pgbench-style scripts).
 */
public final class Retryable {

    /** SQLStates that roll a transaction back and retry it: deadlock victim, lock time-out (Derby: both). */
    public static final Set<String> STATES = Set.of("40001", "40XL1", "40XL2");

    private Retryable() {
    }

    /** True for a deadlock victim or lock time-out: SQLState 40001, 40XL1 or 40XL2, here or in a cause. */
    public static boolean isRetryable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && STATES.contains(s.getSQLState())) {
                return true;
            }
        }
        SQLException next = e.getNextException();
        return next != null && next != e && STATES.contains(next.getSQLState());
    }
}
