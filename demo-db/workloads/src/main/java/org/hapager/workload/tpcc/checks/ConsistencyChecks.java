package org.hapager.workload.tpcc.checks;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.hapager.workload.result.CheckResult;

/**
 * Consistency conditions 1-4 of TPC-C clause 3.3.2, checked on a quiet database (no transactions running):
 * <ol>
 *   <li>for each warehouse, {@code W_YTD = sum(D_YTD)} of its districts;</li>
 *   <li>for each district, {@code D_NEXT_O_ID - 1 = max(O_ID) = max(NO_O_ID)};</li>
 *   <li>for each district, {@code max(NO_O_ID) - min(NO_O_ID) + 1} = its number of NEW_ORDER rows;</li>
 *   <li>for each district, {@code sum(O_OL_CNT)} = its number of ORDER_LINE rows.</li>
 * </ol>
 * A district with no NEW_ORDER row at all (every order delivered) satisfies 3, and for 2 only
 * {@code D_NEXT_O_ID - 1 = max(O_ID)} is checked. Each condition is a few GROUP BY queries compared in Java;
 * the answer lists every violation with its warehouse and district, empty when the database is consistent.
 */
public final class ConsistencyChecks {

    /** What conditions 1-4 say, in order, for reports. */
    public static final List<String> CONDITIONS = List.of("W_YTD = sum(D_YTD)",
            "D_NEXT_O_ID - 1 = max(O_ID) = max(NO_O_ID)", "max(NO_O_ID) - min(NO_O_ID) + 1 = rows in NEW_ORDER",
            "sum(O_OL_CNT) = rows in ORDER_LINE");

    private ConsistencyChecks() {
    }

    /** Condition {@code n}'s outcome as a check of a workload result: held, or how many violations and the first. */
    public static CheckResult asCheck(int n, List<Violation> violations) {
        return new CheckResult("TPC-C condition " + n + ": " + CONDITIONS.get(n - 1), violations.isEmpty(),
                violations.isEmpty() ? "" : violations.size() + " violation(s), first: " + violations.get(0));
    }

    /** Condition {@code n} (1-4) alone. */
    public static List<Violation> condition(int n, Connection c) throws SQLException {
        return switch (n) {
            case 1 -> condition1(c);
            case 2 -> condition2(c);
            case 3 -> condition3(c);
            case 4 -> condition4(c);
            default -> throw new IllegalArgumentException("TPC-C has consistency conditions 1-4, not " + n);
        };
    }

    /** Conditions 1-4 on a connection of its own from {@code ds}. */
    public static List<Violation> check(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return check(c);
        }
    }

    /** Conditions 1-4, in order; ends the connection's transaction (commits if auto-commit is off). */
    public static List<Violation> check(Connection c) throws SQLException {
        List<Violation> all = new ArrayList<>();
        for (int n = 1; n <= CONDITIONS.size(); n++) {
            all.addAll(condition(n, c));
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
        return all;
    }

    /** W_YTD = sum(D_YTD) for each warehouse. */
    public static List<Violation> condition1(Connection c) throws SQLException {
        Map<Key, BigDecimal> wYtd = decimals(c, "SELECT w_id, 0, w_ytd FROM warehouse");
        Map<Key, BigDecimal> dYtd = decimals(c, "SELECT d_w_id, 0, SUM(d_ytd) FROM district GROUP BY d_w_id");
        List<Violation> v = new ArrayList<>();
        for (Key k : union(wYtd, dYtd)) {
            BigDecimal w = wYtd.get(k);
            BigDecimal d = dYtd.get(k);
            if (w == null || d == null || w.compareTo(d) != 0) {
                v.add(new Violation(1, k.w, 0, "W_YTD = " + plain(w) + " but sum(D_YTD) = " + plain(d)));
            }
        }
        return v;
    }

    /** D_NEXT_O_ID - 1 = max(O_ID) = max(NO_O_ID) for each district. */
    public static List<Violation> condition2(Connection c) throws SQLException {
        Map<Key, Long> next = longs(c, "SELECT d_w_id, d_id, d_next_o_id FROM district");
        Map<Key, Long> maxO = longs(c, "SELECT o_w_id, o_d_id, MAX(o_id) FROM orders GROUP BY o_w_id, o_d_id");
        Map<Key, Long> maxNo = longs(c, "SELECT no_w_id, no_d_id, MAX(no_o_id) FROM new_order GROUP BY no_w_id, no_d_id");
        List<Violation> v = new ArrayList<>();
        for (Key k : union(next, maxO, maxNo)) {
            Long n = next.get(k);
            Long o = maxO.get(k);
            Long no = maxNo.get(k);
            Long nextMinusOne = n == null ? null : n - 1;
            boolean ok = n != null && nextMinusOne.equals(o) && (no == null || nextMinusOne.equals(no));
            if (!ok) {
                v.add(new Violation(2, k.w, k.d, "D_NEXT_O_ID - 1 = " + nextMinusOne + ", max(O_ID) = " + o
                        + ", max(NO_O_ID) = " + (no == null ? "none (no NEW_ORDER rows)" : no)));
            }
        }
        return v;
    }

    /** max(NO_O_ID) - min(NO_O_ID) + 1 = count of NEW_ORDER rows, for each district that has any. */
    public static List<Violation> condition3(Connection c) throws SQLException {
        List<Violation> v = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT no_w_id, no_d_id, MAX(no_o_id), MIN(no_o_id), COUNT(*)"
                     + " FROM new_order GROUP BY no_w_id, no_d_id ORDER BY no_w_id, no_d_id")) {
            while (rs.next()) {
                long max = rs.getLong(3);
                long min = rs.getLong(4);
                long count = rs.getLong(5);
                if (max - min + 1 != count) {
                    v.add(new Violation(3, rs.getInt(1), rs.getInt(2), "max(NO_O_ID) - min(NO_O_ID) + 1 = "
                            + max + " - " + min + " + 1 = " + (max - min + 1) + " but there are " + count
                            + " NEW_ORDER rows"));
                }
            }
        }
        return v;
    }

    /** sum(O_OL_CNT) = count of ORDER_LINE rows, for each district. */
    public static List<Violation> condition4(Connection c) throws SQLException {
        Map<Key, Long> olCnt = longs(c, "SELECT o_w_id, o_d_id, SUM(o_ol_cnt) FROM orders GROUP BY o_w_id, o_d_id");
        Map<Key, Long> lines = longs(c, "SELECT ol_w_id, ol_d_id, COUNT(*) FROM order_line GROUP BY ol_w_id, ol_d_id");
        List<Violation> v = new ArrayList<>();
        for (Key k : union(olCnt, lines)) {
            long sum = olCnt.getOrDefault(k, 0L);
            long count = lines.getOrDefault(k, 0L);
            if (sum != count) {
                v.add(new Violation(4, k.w, k.d, "sum(O_OL_CNT) = " + sum + " but there are " + count
                        + " ORDER_LINE rows"));
            }
        }
        return v;
    }

    private record Key(int w, int d) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            return w != o.w ? Integer.compare(w, o.w) : Integer.compare(d, o.d);
        }
    }

    private static Map<Key, Long> longs(Connection c, String sql) throws SQLException {
        Map<Key, Long> m = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                long value = rs.getLong(3);
                if (!rs.wasNull()) {
                    m.put(new Key(rs.getInt(1), rs.getInt(2)), value);
                }
            }
        }
        return m;
    }

    private static Map<Key, BigDecimal> decimals(Connection c, String sql) throws SQLException {
        Map<Key, BigDecimal> m = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                m.put(new Key(rs.getInt(1), rs.getInt(2)), rs.getBigDecimal(3));
            }
        }
        return m;
    }

    @SafeVarargs
    private static TreeSet<Key> union(Map<Key, ?>... maps) {
        TreeSet<Key> keys = new TreeSet<>();
        for (Map<Key, ?> m : maps) {
            keys.addAll(m.keySet());
        }
        return keys;
    }

    private static String plain(BigDecimal d) {
        return d == null ? "none" : d.toPlainString();
    }
}
