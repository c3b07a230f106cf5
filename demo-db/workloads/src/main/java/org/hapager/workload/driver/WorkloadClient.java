package org.hapager.workload.driver;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * What one client thread of a {@link Workload} does. Used by one thread only: the driver calls
 * {@link #nextType()}, then {@link #execute} with its connection, again and again; when it replaces or closes
 * the connection it calls {@link #disconnected()} first.
 */
public interface WorkloadClient {

    /** Chooses the next transaction: an index into {@link Workload#types()}. */
    int nextType();

    /**
     * Runs the transaction chosen by the last {@link #nextType()} on {@code connection} (auto-commit off, the
     * run's isolation level), and ends it: commits, or rolls back where the workload means to. Retries
     * deadlock victims and lock time-outs itself, calling {@code retried} once per retry.
     *
     * @return true if it committed, false if it rolled back on purpose (not an error)
     * @throws SQLException the transaction failed; the driver counts it and rolls back
     */
    boolean execute(Connection connection, Runnable retried) throws SQLException;

    /** The connection given to {@link #execute} is going away: release what was prepared on it. */
    default void disconnected() {
    }
}
