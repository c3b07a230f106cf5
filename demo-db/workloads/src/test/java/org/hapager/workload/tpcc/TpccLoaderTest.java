package org.hapager.workload.tpcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.hapager.workload.tpcc.checks.ConsistencyChecks;
import org.hapager.workload.tpcc.loader.LoadOptions;
import org.hapager.workload.tpcc.loader.LoadResult;
import org.hapager.workload.tpcc.loader.TpccLoader;
import org.hapager.workload.tpcc.schema.TpccSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A load at reduced scale (2 warehouses, factor 100) writes the cardinalities and distributions of clause 4.3.3.1. */
class TpccLoaderTest {

    private static final TpccScale SCALE = TpccScale.reduced(2, 100);
    private static TpccTestDb db;
    private static LoadResult result;
    private static final List<long[]> progress = new ArrayList<>();

    @BeforeAll
    static void load() throws SQLException {
        db = new TpccTestDb(2);
        result = TpccLoader.createAndLoad(db.dataSource(), SCALE, LoadOptions.defaults().withThreads(2)
                .withBatching(100, 1000), (loaded, total) -> progress.add(new long[] {loaded, total}));
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @Test
    void cardinalitiesFollowTheScale() throws SQLException {
        int w = SCALE.warehouses();
        int c = SCALE.customersPerDistrict();
        assertEquals(1000, SCALE.items());
        assertEquals(30, c);
        try (Connection conn = db.dataSource().getConnection()) {
            assertEquals(w, count(conn, "warehouse"));
            assertEquals(10L * w, count(conn, "district"));
            assertEquals(SCALE.items(), count(conn, "item"));
            assertEquals((long) SCALE.items() * w, count(conn, "stock"));
            assertEquals(10L * c * w, count(conn, "customer"));
            assertEquals(10L * c * w, count(conn, "history"));
            assertEquals(10L * c * w, count(conn, "orders"));
            assertEquals(10L * SCALE.newOrdersPerDistrict() * w, count(conn, "new_order"));
            assertEquals(9L, SCALE.newOrdersPerDistrict());
            long lines = count(conn, "order_line");
            assertEquals(sum(conn, "SELECT SUM(o_ol_cnt) FROM orders"), lines);
            assertEquals(5, sum(conn, "SELECT MIN(o_ol_cnt) FROM orders"));
            assertEquals(15, sum(conn, "SELECT MAX(o_ol_cnt) FROM orders"));
            // the last newOrdersPerDistrict orders of each district are undelivered, the others delivered
            assertEquals(SCALE.firstNewOrderId(), sum(conn, "SELECT MIN(no_o_id) FROM new_order"));
            assertEquals(0, sum(conn, "SELECT COUNT(*) FROM orders WHERE o_id < " + SCALE.firstNewOrderId()
                    + " AND o_carrier_id IS NULL"));
            assertEquals(0, sum(conn, "SELECT COUNT(*) FROM orders WHERE o_id >= " + SCALE.firstNewOrderId()
                    + " AND o_carrier_id IS NOT NULL"));
            // every customer has exactly one order (a permutation per district)
            assertEquals(10L * c * w, sum(conn, "SELECT COUNT(DISTINCT o_w_id * 100000 + o_d_id * 10000 + o_c_id) FROM orders"));
            assertEquals(3001, TpccScale.spec(1).ordersPerDistrict() + 1);
            for (String table : TpccSchema.TABLES) {
                assertEquals(count(conn, table), result.rows().get(table), table);
            }
        }
    }

    @Test
    void lastNamesComeFromTheSyllableTableFirstInOrder() throws SQLException {
        try (Connection conn = db.dataSource().getConnection(); Statement s = conn.createStatement();
             ResultSet rs = s.executeQuery("SELECT c_id, c_last, c_middle, c_credit FROM customer"
                     + " WHERE c_w_id = 1 AND c_d_id = 1 ORDER BY c_id")) {
            while (rs.next()) {
                int id = rs.getInt(1);
                if (id <= SCALE.lastNameMax() + 1) {
                    assertEquals(LastNames.of(id - 1), rs.getString(2));
                }
                assertEquals("OE", rs.getString(3));
                assertTrue(List.of("GC", "BC").contains(rs.getString(4)));
            }
        }
    }

    @Test
    void progressIsMonotonicAndEndsAtTheExactTotal() {
        long total = TpccLoader.totalRows(SCALE, LoadOptions.defaults().seed());
        assertEquals(total, result.totalRows());
        assertTrue(progress.size() > 10, "a report per batch");
        long last = 0;
        for (long[] p : progress) {
            assertEquals(total, p[1]);
            assertTrue(p[0] > last && p[0] <= total);
            last = p[0];
        }
        assertEquals(total, last);
    }

    @Test
    void aFreshLoadIsConsistent() throws SQLException {
        assertEquals(List.of(), ConsistencyChecks.check(db.dataSource()));
        try (Connection conn = db.dataSource().getConnection()) {
            assertEquals(TpccSchema.TABLES.size(), TpccSchema.existingTables(conn).size());
        }
    }

    static long count(Connection c, String table) throws SQLException {
        return sum(c, "SELECT COUNT(*) FROM " + table);
    }

    static long sum(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
