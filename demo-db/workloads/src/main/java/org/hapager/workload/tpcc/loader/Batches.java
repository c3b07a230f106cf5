package org.hapager.workload.tpcc.loader;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The batched inserts of one loader connection: several prepared statements whose rows are sent together
 * every {@code batchSize} rows and committed every {@code commitEvery} rows. Rows are only counted as loaded
 * (and reported) once their batch has been executed.
 */
final class Batches implements AutoCloseable {

    private final Connection connection;
    private final int batchSize;
    private final int commitEvery;
    private final LongConsumer executed;
    private final List<PreparedStatement> statements = new ArrayList<>();
    private final List<Integer> pendingPerStatement = new ArrayList<>();
    private final Map<String, PreparedStatement> bySql = new HashMap<>();
    private int pending;
    private int sinceCommit;

    Batches(Connection connection, int batchSize, int commitEvery, LongConsumer executed) throws SQLException {
        this.connection = connection;
        this.batchSize = batchSize;
        this.commitEvery = commitEvery;
        this.executed = executed;
        connection.setAutoCommit(false);
    }

    /** A statement whose rows go through these batches (the same one for the same SQL); closed with them. */
    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement existing = bySql.get(sql);
        if (existing != null) {
            return existing;
        }
        PreparedStatement ps = connection.prepareStatement(sql);
        bySql.put(sql, ps);
        statements.add(ps);
        pendingPerStatement.add(0);
        return ps;
    }

    /** Adds the row whose parameters are set on {@code ps} (from {@link #prepare}). */
    void add(PreparedStatement ps) throws SQLException {
        ps.addBatch();
        int i = statements.indexOf(ps);
        pendingPerStatement.set(i, pendingPerStatement.get(i) + 1);
        pending++;
        sinceCommit++;
        if (sinceCommit >= commitEvery) {
            commit();
        } else if (pending >= batchSize) {
            flush();
        }
    }

    /** Executes every pending batch. */
    void flush() throws SQLException {
        if (pending == 0) {
            return;
        }
        for (int i = 0; i < statements.size(); i++) {
            if (pendingPerStatement.get(i) > 0) {
                statements.get(i).executeBatch();
                pendingPerStatement.set(i, 0);
            }
        }
        int rows = pending;
        pending = 0;
        executed.accept(rows);
    }

    /** Executes every pending batch and commits. */
    void commit() throws SQLException {
        flush();
        connection.commit();
        sinceCommit = 0;
    }

    @Override
    public void close() throws SQLException {
        SQLException first = null;
        for (PreparedStatement ps : statements) {
            try {
                ps.close();
            } catch (SQLException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
