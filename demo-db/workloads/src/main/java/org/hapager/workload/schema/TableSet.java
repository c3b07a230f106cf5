package org.hapager.workload.schema;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tables of one workload (TPC-C's nine, pgbench's four): which of them a database has, dropping them,
 * and running DDL in one transaction. Stateless; any thread, one connection per call.
 *
 * @param tables lower-case names, in the order they are dropped (referencing tables first)
 */
public record TableSet(List<String> tables) {

    public TableSet {
        tables = List.copyOf(tables);
    }

    /** Those of the tables present in the connection's default schema, in {@link #tables()} order. */
    public List<String> existing(Connection c) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        List<String> found = new ArrayList<>();
        try (ResultSet rs = md.getTables(null, c.getSchema(), null, new String[] {"TABLE"})) {
            while (rs.next()) {
                found.add(rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT));
            }
        }
        return tables.stream().filter(found::contains).toList();
    }

    /** Drops whichever of the tables exist (with their indexes), in one transaction. */
    public void drop(Connection c) throws SQLException {
        List<String> existing = existing(c);
        inTransaction(c, tables.stream().filter(existing::contains).map(t -> "DROP TABLE " + t).toList());
    }

    /**
     * Runs {@code statements} in one transaction and commits, or rolls back and throws; the connection's
     * auto-commit setting is restored either way.
     */
    public static void inTransaction(Connection c, List<String> statements) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }
}
