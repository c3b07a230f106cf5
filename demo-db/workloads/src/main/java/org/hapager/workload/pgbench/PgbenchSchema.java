package org.hapager.workload.pgbench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.hapager.workload.schema.TableSet;

/**
 * pgbench's four tables in the connection's default schema, as {@code pgbench -i} creates them:
 * {@code pgbench_branches (bid, bbalance, filler char(88))}, {@code pgbench_tellers (tid, bid, tbalance,
 * filler char(84))}, {@code pgbench_accounts (aid, bid, abalance, filler char(84))} and
 * {@code pgbench_history (tid, bid, aid, delta, mtime, filler char(22))}, with primary keys on bid, tid and
 * aid and none on the history. Plain SQL (INTEGER, CHAR, TIMESTAMP; BIGINT for {@code aid} from scale 20,000
 * on, as pgbench) that Derby runs. Scale n means n branches, 10 n tellers and 100,000 n accounts.
 */
public final class PgbenchSchema {

    /** The four tables, in creation order. */
    public static final List<String> TABLES = List.of("pgbench_history", "pgbench_tellers", "pgbench_accounts",
            "pgbench_branches");

    private static final TableSet TABLE_SET = new TableSet(TABLES);

    /** Rows per scale unit (pgbench's {@code nbranches}, {@code ntellers}, {@code naccounts}). */
    public static final int BRANCHES = 1;
    public static final int TELLERS = 10;
    public static final int ACCOUNTS = 100_000;

    /** From this scale on, {@code aid} needs 64 bits (pgbench's {@code SCALE_32BIT_THRESHOLD}). */
    public static final int SCALE_32BIT_THRESHOLD = 20_000;

    /** What {@link #detectScale} says when the tables are not there. */
    public static final String NO_TABLES = "no pgbench tables: run hapager tpcb --init first";

    private PgbenchSchema() {
    }

    /** The statements {@link #create} runs for {@code scale}. */
    public static List<String> ddl(int scale) {
        String key = scale >= SCALE_32BIT_THRESHOLD ? "BIGINT" : "INTEGER";
        return List.of(
                "CREATE TABLE pgbench_history (tid INTEGER, bid INTEGER, aid " + key + ", delta INTEGER,"
                        + " mtime TIMESTAMP, filler CHAR(22))",
                "CREATE TABLE pgbench_tellers (tid INTEGER NOT NULL, bid INTEGER, tbalance INTEGER,"
                        + " filler CHAR(84), PRIMARY KEY (tid))",
                "CREATE TABLE pgbench_accounts (aid " + key + " NOT NULL, bid INTEGER, abalance INTEGER,"
                        + " filler CHAR(84), PRIMARY KEY (aid))",
                "CREATE TABLE pgbench_branches (bid INTEGER NOT NULL, bbalance INTEGER, filler CHAR(88),"
                        + " PRIMARY KEY (bid))");
    }

    /** Creates the four tables for {@code scale} and commits. Fails if one exists. */
    public static void create(Connection c, int scale) throws SQLException {
        TableSet.inTransaction(c, ddl(scale));
    }

    /** Drops whichever of the four tables exist, and commits. */
    public static void drop(Connection c) throws SQLException {
        TABLE_SET.drop(c);
    }

    /** The pgbench tables present in the connection's default schema (lower case), in {@link #TABLES} order. */
    public static List<String> existingTables(Connection c) throws SQLException {
        return TABLE_SET.existing(c);
    }

    /**
     * The scale of a loaded database: its number of branches, as pgbench reads it.
     *
     * @throws SQLException {@link #NO_TABLES} when a table is missing, or when pgbench_branches is empty
     */
    public static int detectScale(Connection c) throws SQLException {
        List<String> existing = existingTables(c);
        if (existing.size() < TABLES.size()) {
            List<String> missing = TABLES.stream().filter(t -> !existing.contains(t)).toList();
            throw new SQLException(NO_TABLES + " (missing: " + String.join(", ", missing) + ")");
        }
        long branches;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM pgbench_branches")) {
            rs.next();
            branches = rs.getLong(1);
        }
        if (branches == 0) {
            throw new SQLException(NO_TABLES + " (pgbench_branches is empty)");
        }
        return (int) branches;
    }
}
