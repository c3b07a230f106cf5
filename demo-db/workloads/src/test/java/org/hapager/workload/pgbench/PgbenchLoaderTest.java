package org.hapager.workload.pgbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hapager.workload.result.CheckResult;
import org.hapager.workload.tpcc.TpccTestDb;
import org.hapager.workload.tpcc.loader.LoadResult;
import org.junit.jupiter.api.Test;

/** pgbench -i at scale 1 on Derby in memory: the tables, their rows, the scale read back, the checks. */
class PgbenchLoaderTest {

    @Test
    void scaleOneHasPgbenchsRowsAndPassesTheChecks() throws Exception {
        try (TpccTestDb db = new TpccTestDb(2)) {
            List<long[]> reports = new ArrayList<>();
            long start = System.nanoTime();
            LoadResult r = PgbenchLoader.createAndLoad(db.dataSource(), 1, (loaded, total) -> reports.add(new long[] {loaded, total}));
            System.out.printf("pgbench scale 1 loaded in %.1f s%n", (System.nanoTime() - start) / 1e9);

            assertEquals(Map.of("pgbench_branches", 1L, "pgbench_tellers", 10L, "pgbench_accounts", 100_000L,
                    "pgbench_history", 0L), r.rows());
            assertEquals(100_011, r.totalRows());
            assertEquals(PgbenchLoader.totalRows(1), r.totalRows());
            assertFalse(reports.isEmpty());
            for (int i = 1; i < reports.size(); i++) {
                assertTrue(reports.get(i)[0] > reports.get(i - 1)[0], "progress grows");
            }
            assertTrue(reports.stream().allMatch(p -> p[1] == 100_011));
            assertEquals(100_011, reports.get(reports.size() - 1)[0], "progress ends at the total");

            try (Connection c = db.dataSource().getConnection()) {
                assertEquals(PgbenchSchema.TABLES, PgbenchSchema.existingTables(c));
                assertEquals(1, PgbenchSchema.detectScale(c));
                assertEquals(100_000, number(c, "SELECT COUNT(*) FROM pgbench_accounts WHERE bid = 1 AND abalance = 0"));
                assertEquals(10, number(c, "SELECT COUNT(*) FROM pgbench_tellers WHERE bid = 1 AND tbalance = 0"));
                assertEquals(100_000, number(c, "SELECT MAX(aid) FROM pgbench_accounts"));
                assertEquals(84, number(c, "SELECT MAX(LENGTH(filler || 'x')) - 1 FROM pgbench_accounts"),
                        "the accounts' filler is blank, as in pgbench");
                List<CheckResult> checks = PgbenchChecks.check(c);
                assertEquals(List.of(PgbenchChecks.ROWS, PgbenchChecks.ACCOUNTS, PgbenchChecks.TELLERS_BRANCHES),
                        checks.stream().map(CheckResult::name).toList());
                assertEquals(List.of(), PgbenchChecks.violations(checks));

                // a broken database fails the checks that concern it, with the numbers
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("UPDATE pgbench_tellers SET tbalance = 7 WHERE tid = 3");
                    s.executeUpdate("DELETE FROM pgbench_accounts WHERE aid = 100000");
                    c.commit();
                }
                List<CheckResult> broken = PgbenchChecks.violations(PgbenchChecks.check(c));
                assertEquals(List.of(PgbenchChecks.ROWS, PgbenchChecks.TELLERS_BRANCHES),
                        broken.stream().map(CheckResult::name).toList());
                assertTrue(broken.get(0).detail().contains("99999 accounts"), broken.get(0).detail());
                assertTrue(broken.get(1).detail().contains("sum(tbalance) = 7"), broken.get(1).detail());
            }
        }
    }

    @Test
    void detectScaleSaysWhatToDoWhenTheTablesAreMissingOrEmpty() throws Exception {
        try (TpccTestDb db = new TpccTestDb(1); Connection c = db.dataSource().getConnection()) {
            SQLException none = assertThrows(SQLException.class, () -> PgbenchSchema.detectScale(c));
            assertEquals(PgbenchSchema.NO_TABLES + " (missing: pgbench_history, pgbench_tellers, pgbench_accounts,"
                    + " pgbench_branches)", none.getMessage());

            PgbenchSchema.create(c, 1);
            SQLException empty = assertThrows(SQLException.class, () -> PgbenchSchema.detectScale(c));
            assertTrue(empty.getMessage().startsWith("no pgbench tables: run hapager tpcb --init first"), empty.getMessage());
            assertTrue(empty.getMessage().contains("pgbench_branches is empty"), empty.getMessage());

            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO pgbench_branches (bid, bbalance) VALUES (1, 0), (2, 0), (3, 0)");
                c.commit();
            }
            assertEquals(3, PgbenchSchema.detectScale(c), "the scale is the number of branches, as pgbench reads it");

            PgbenchSchema.drop(c);
            assertEquals(List.of(), PgbenchSchema.existingTables(c));
            PgbenchSchema.drop(c); // nothing to drop: no error
        }
    }

    @Test
    void aidIsBigintFromPgbenchsThreshold() {
        assertTrue(PgbenchSchema.ddl(19_999).get(2).contains("aid INTEGER NOT NULL"));
        assertTrue(PgbenchSchema.ddl(20_000).get(2).contains("aid BIGINT NOT NULL"));
        assertTrue(PgbenchSchema.ddl(1).get(0).contains("filler CHAR(22)"));
        assertTrue(PgbenchSchema.ddl(1).get(3).contains("filler CHAR(88)"));
        assertThrows(IllegalArgumentException.class, () -> PgbenchLoader.load(null, 0, (a, b) -> { }));
    }

    static long number(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
