package org.hapager.workload.pgbench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.hapager.workload.result.CheckResult;

/**
 * The consistency of a TPC-B-like database, checked when no transaction runs. Every {@code tpcb-like}
 * transaction adds the same delta to one account, one teller and one branch and records it in the history,
 * so the sums stay equal: {@code sum(abalance) = sum(tbalance) = sum(bbalance) = sum(history.delta)}. Three
 * checks, in order:
 * <ol>
 *   <li>{@link #ROWS}: n branches, 10 n tellers and 100,000 n accounts, n the number of branches;</li>
 *   <li>{@link #ACCOUNTS}: {@code sum(abalance) = sum(delta)}, which {@code simple-update} keeps too;</li>
 *   <li>{@link #TELLERS_BRANCHES}: {@code sum(tbalance) = sum(bbalance) = sum(delta)}, which only
 *   {@code tpcb-like} (and scripts that update all three tables alike) keeps.</li>
 * </ol>
 * Sums are computed as BIGINT, so they do not overflow where the balances' INTEGER would.
 */
public final class PgbenchChecks {

    public static final String ROWS = "rows: tellers = 10 x branches, accounts = 100000 x branches";
    public static final String ACCOUNTS = "sum(abalance) = sum(history.delta)";
    public static final String TELLERS_BRANCHES = "sum(tbalance) = sum(bbalance) = sum(history.delta)";

    private PgbenchChecks() {
    }

    /** The three checks on a connection of its own from {@code ds}. */
    public static List<CheckResult> check(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return check(c);
        }
    }

    /** The three checks, in order; ends the connection's transaction (commits if auto-commit is off). */
    public static List<CheckResult> check(Connection c) throws SQLException {
        long branches = number(c, "SELECT COUNT(*) FROM pgbench_branches");
        long tellers = number(c, "SELECT COUNT(*) FROM pgbench_tellers");
        long accounts = number(c, "SELECT COUNT(*) FROM pgbench_accounts");
        long history = number(c, "SELECT COUNT(*) FROM pgbench_history");
        long a = number(c, "SELECT SUM(CAST(abalance AS BIGINT)) FROM pgbench_accounts");
        long t = number(c, "SELECT SUM(CAST(tbalance AS BIGINT)) FROM pgbench_tellers");
        long b = number(c, "SELECT SUM(CAST(bbalance AS BIGINT)) FROM pgbench_branches");
        long d = number(c, "SELECT SUM(CAST(delta AS BIGINT)) FROM pgbench_history");
        if (!c.getAutoCommit()) {
            c.commit();
        }
        List<CheckResult> results = new ArrayList<>();
        boolean rowsOk = branches > 0 && tellers == PgbenchSchema.TELLERS * branches
                && accounts == PgbenchSchema.ACCOUNTS * branches;
        results.add(new CheckResult(ROWS, rowsOk, rowsOk ? "" : branches + " branches, " + tellers + " tellers, "
                + accounts + " accounts"));
        results.add(new CheckResult(ACCOUNTS, a == d, a == d ? ""
                : "sum(abalance) = " + a + " but sum(delta) = " + d + " over " + history + " history rows"));
        boolean tb = t == d && b == d;
        results.add(new CheckResult(TELLERS_BRANCHES, tb, tb ? ""
                : "sum(tbalance) = " + t + ", sum(bbalance) = " + b + ", sum(delta) = " + d));
        return results;
    }

    /** The checks that failed; empty when the database is consistent. */
    public static List<CheckResult> violations(List<CheckResult> results) {
        return results.stream().filter(r -> !r.passed()).toList();
    }

    private static long number(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0; // SUM of no rows is NULL: 0
        }
    }
}
