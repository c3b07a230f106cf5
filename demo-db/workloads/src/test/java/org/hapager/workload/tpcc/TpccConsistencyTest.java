package org.hapager.workload.tpcc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.hapager.workload.tpcc.checks.ConsistencyChecks;
import org.hapager.workload.tpcc.checks.Violation;
import org.hapager.workload.tpcc.loader.LoadOptions;
import org.hapager.workload.tpcc.loader.TpccLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each consistency condition fails, at the right place, on a database broken on purpose. The damage is done
 * in an open transaction that the checks see and that is rolled back after each test.
 */
class TpccConsistencyTest {

    private static final TpccScale SCALE = TpccScale.reduced(1, 100);
    private static TpccTestDb db;
    private Connection c;

    @BeforeAll
    static void load() throws SQLException {
        db = new TpccTestDb(2);
        TpccLoader.createAndLoad(db.dataSource(), SCALE, LoadOptions.defaults(), (loaded, total) -> { });
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @BeforeEach
    void open() throws SQLException {
        c = db.dataSource().getConnection();
        c.setAutoCommit(false);
        assertEquals(List.of(), violations(), "consistent before the damage");
    }

    @AfterEach
    void undo() throws SQLException {
        c.rollback();
        c.close();
    }

    @Test
    void condition1FailsWhenADistrictYtdChanges() throws SQLException {
        assertEquals(1, exec("UPDATE district SET d_ytd = d_ytd + 0.01 WHERE d_w_id = 1 AND d_id = 4"));
        List<Violation> v = violations();
        assertEquals(1, v.size(), v.toString());
        assertEquals(1, v.get(0).condition());
        assertEquals(1, v.get(0).warehouse());
        assertEquals(0, v.get(0).district());
    }

    @Test
    void condition2FailsWhenTheNewestNewOrderRowIsDeleted() throws SQLException {
        assertEquals(1, exec("DELETE FROM new_order WHERE no_w_id = 1 AND no_d_id = 2 AND no_o_id = " + SCALE.ordersPerDistrict()));
        List<Violation> v = violations();
        assertEquals(1, v.size(), v.toString()); // still contiguous: condition 3 holds
        assertEquals(new Violation(2, 1, 2, v.get(0).detail()), v.get(0));
    }

    @Test
    void condition3FailsWhenAMiddleNewOrderRowIsDeleted() throws SQLException {
        assertEquals(1, exec("DELETE FROM new_order WHERE no_w_id = 1 AND no_d_id = 3 AND no_o_id = " + (SCALE.firstNewOrderId() + 2)));
        List<Violation> v = violations();
        assertEquals(1, v.size(), v.toString());
        assertEquals(new Violation(3, 1, 3, v.get(0).detail()), v.get(0));
    }

    @Test
    void condition4FailsWhenAnOrderLineCountIsBumped() throws SQLException {
        assertEquals(1, exec("UPDATE orders SET o_ol_cnt = o_ol_cnt + 1 WHERE o_w_id = 1 AND o_d_id = 5 AND o_id = 7"));
        List<Violation> v = violations();
        assertEquals(1, v.size(), v.toString());
        assertEquals(new Violation(4, 1, 5, v.get(0).detail()), v.get(0));
    }

    @Test
    void aDistrictWithEveryOrderDeliveredIsStillConsistent() throws SQLException {
        assertEquals(SCALE.newOrdersPerDistrict(), exec("DELETE FROM new_order WHERE no_w_id = 1 AND no_d_id = 6"));
        assertEquals(List.of(), violations());
    }

    private List<Violation> violations() throws SQLException {
        List<Violation> all = new java.util.ArrayList<>();
        all.addAll(ConsistencyChecks.condition1(c));
        all.addAll(ConsistencyChecks.condition2(c));
        all.addAll(ConsistencyChecks.condition3(c));
        all.addAll(ConsistencyChecks.condition4(c));
        return all;
    }

    private int exec(String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            return s.executeUpdate(sql);
        }
    }
}
