package org.hapager.workload.tpcc.transactions;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.hapager.workload.driver.Retryable;

/**
 * One terminal's connection (auto-commit off), its prepared statements (prepared once, by SQL text), and
 * the retry of deadlock victims and lock time-outs. Not thread-safe.
 */
public final class TxContext implements AutoCloseable {

    /** SQLStates that roll a transaction back and retry it: deadlock victim, lock time-out (Derby: both). */
    public static final java.util.Set<String> RETRYABLE_STATES = Retryable.STATES;

    /** Work that runs as one database transaction and commits or rolls back itself. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run() throws SQLException;
    }

    private final Connection connection;
    private final int maxAttempts;
    private final Runnable onRetry;
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    /**
     * @param maxAttempts attempts per database transaction before a retryable error counts as a failure
     * @param onRetry     called once per retry (after the rollback, before the next attempt)
     */
    public TxContext(Connection connection, int maxAttempts, Runnable onRetry) throws SQLException {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        this.connection = connection;
        this.maxAttempts = maxAttempts;
        this.onRetry = onRetry;
        connection.setAutoCommit(false);
    }

    public Connection connection() {
        return connection;
    }

    /** The statement for {@code sql}, prepared on first use. */
    public PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    public void commit() throws SQLException {
        connection.commit();
    }

    public void rollback() throws SQLException {
        connection.rollback();
    }

    /**
     * Runs {@code work}; on any SQLException rolls back, and if the error is a deadlock or lock time-out
     * (see {@link #isRetryable}) runs it again, up to {@code maxAttempts} times in all. The last error, or
     * any other, is thrown.
     */
    public <T> T retry(SqlWork<T> work) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                return work.run();
            } catch (SQLException e) {
                try {
                    connection.rollback();
                } catch (SQLException r) {
                    e.addSuppressed(r);
                    throw e;
                }
                if (!isRetryable(e) || attempt >= maxAttempts) {
                    if (isRetryable(e)) {
                        throw new SQLException("still " + e.getSQLState() + " after " + attempt + " attempts: "
                                + e.getMessage(), e.getSQLState(), e);
                    }
                    throw e;
                }
                onRetry.run();
            }
        }
    }

    /** True for a deadlock victim or lock time-out: see {@link Retryable#isRetryable}. */
    public static boolean isRetryable(SQLException e) {
        return Retryable.isRetryable(e);
    }

    /** Closes the prepared statements (not the connection). */
    @Override
    public void close() {
        for (PreparedStatement ps : statements.values()) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // the connection may already be gone
            }
        }
        statements.clear();
    }
}
