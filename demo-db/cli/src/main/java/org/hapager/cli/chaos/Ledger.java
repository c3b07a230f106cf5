package org.hapager.cli.chaos;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.driver.TypeResult;
import org.hapager.workload.result.CheckResult;

/**
 * Acknowledged commits, checked against the database: each entry is a table that gains exactly one row per
 * committed transaction of one type (TPC-B-like: {@code pgbench_history}, one row per {@code tpcb-like};
 * TPC-C: {@code orders} per committed {@code new_order}, {@code history} per {@code payment}). Rows are
 * counted before the run and after it; the rows added must be the commits the driver was told succeeded.
 * Fewer means an acknowledged commit is missing (a lost write); more, a transaction the driver counted as
 * failed that committed after all, which only a failed transaction may explain (its outcome is unknown), so
 * {@code committed <= added <= committed + failed} is what is checked. After the database is booted again
 * in a fresh JVM, every count must be what it was before.
 *
 * <p>Immutable.
 */
final class Ledger {

    /** A table that gains one row per committed transaction of {@code type}. */
    record Entry(String table, String type) {
    }

    private final List<Entry> entries;

    private Ledger(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** pgbench's tpcb-like: one history row per transaction. */
    static Ledger tpcb() {
        return new Ledger(List.of(new Entry("pgbench_history", "tpcb-like")));
    }

    /** TPC-C: one orders row per committed New-Order (not the rolled back 1 %), one history row per Payment. */
    static Ledger tpcc() {
        return new Ledger(List.of(new Entry("orders", "new_order"), new Entry("history", "payment")));
    }

    static Ledger of(ChaosCommand.WorkloadName workload) {
        return workload == ChaosCommand.WorkloadName.TPCC ? tpcc() : tpcb();
    }

    List<Entry> entries() {
        return entries;
    }

    /** The rows of each table, in order of the entries. */
    Map<String, Long> count(Connection c) throws SQLException {
        Map<String, Long> rows = new LinkedHashMap<>();
        for (Entry e : entries) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + e.table())) {
                rs.next();
                rows.put(e.table(), rs.getLong(1));
            }
        }
        return rows;
    }

    /** One check per entry: the rows added from {@code before} to {@code after} are the commits of the run. */
    List<CheckResult> check(Map<String, Long> before, Map<String, Long> after, DriverResult run) {
        List<CheckResult> checks = new ArrayList<>();
        for (Entry e : entries) {
            TypeResult t = run.type(e.type());
            long added = after.get(e.table()) - before.get(e.table());
            long committed = t.committed();
            String name = "nothing acknowledged missing: rows added to " + e.table() + " = " + e.type() + " commits";
            String detail;
            if (added < committed) {
                detail = (committed - added) + " acknowledged commit(s) MISSING: " + committed + " " + e.type()
                        + " commits acknowledged, " + added + " rows added to " + e.table() + " (" + before.get(e.table())
                        + " before, " + after.get(e.table()) + " after)";
            } else if (added > committed + t.failures()) {
                detail = (added - committed) + " more rows in " + e.table() + " than " + e.type() + " commits ("
                        + committed + "), and only " + t.failures() + " failed " + e.type() + " transaction(s) whose"
                        + " outcome is unknown";
            } else {
                detail = "";
            }
            checks.add(new CheckResult(name, detail.isEmpty(), detail));
        }
        return checks;
    }

    /** One check per entry: the rows counted in the fresh JVM are those counted before it. */
    List<CheckResult> same(Map<String, Long> expected, Map<String, Long> recovered) {
        List<CheckResult> checks = new ArrayList<>();
        for (Entry e : entries) {
            Long want = expected.get(e.table());
            Long got = recovered.get(e.table());
            boolean ok = want != null && want.equals(got);
            checks.add(new CheckResult("after recovery: rows of " + e.table() + " = before the restart", ok, ok ? ""
                    : (got == null ? "not counted" : got + " rows") + " after recovery, " + want + " before"
                    + (got != null && want != null && got < want ? ": " + (want - got) + " acknowledged commit(s) MISSING"
                            : "")));
        }
        return checks;
    }
}
