package org.hapager.workload.pgbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hapager.workload.driver.Driver;
import org.hapager.workload.driver.DriverOptions;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.driver.TypeResult;
import org.hapager.workload.result.CheckResult;
import org.hapager.workload.tpcc.TpccTestDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs through the {@link Driver} on Derby in memory at scale 1, loaded once for the class. */
class PgbenchRunTest {

    private static TpccTestDb db;
    private static int scale;

    @BeforeAll
    static void load() throws Exception {
        db = new TpccTestDb(4);
        PgbenchLoader.createAndLoad(db.dataSource(), 1, (loaded, total) -> { });
        try (Connection c = db.dataSource().getConnection()) {
            scale = PgbenchSchema.detectScale(c);
        }
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    static DriverOptions limit(int clients, long perClient, long seed) {
        return new DriverOptions(clients, Duration.ZERO, perClient, seed, Connection.TRANSACTION_READ_COMMITTED,
                Duration.ofSeconds(1), s -> { }, null, 10);
    }

    static long count(String sql) throws Exception {
        try (Connection c = db.dataSource().getConnection()) {
            long n = PgbenchLoaderTest.number(c, sql);
            c.commit();
            return n;
        }
    }

    @Test
    void tpcbLikeCommitsEveryTransactionAndKeepsTheBalancesEqual() throws Exception {
        long history = count("SELECT COUNT(*) FROM pgbench_history");
        ScriptWorkload w = new ScriptWorkload(List.of(Builtins.script(Builtins.TPCB_LIKE)), scale);
        DriverResult r = new Driver(db.dataSource(), w, limit(2, 250, 17)).run();
        assertEquals("tpcb", r.workload());
        assertEquals(0, r.totalFailures(), () -> r.failuresKept().toString());
        TypeResult t = r.type("tpcb-like");
        assertEquals(500, t.committed());
        assertEquals(0, t.rolledBack());
        assertEquals(500, t.latency().count());
        assertTrue(r.tps() > 0);
        assertEquals(history + 500, count("SELECT COUNT(*) FROM pgbench_history"), "one history row per transaction");
        assertTrue(count("SELECT COUNT(*) FROM pgbench_history WHERE delta <> 0") > 0);
        List<CheckResult> checks = PgbenchChecks.check(db.dataSource());
        assertEquals(List.of(), PgbenchChecks.violations(checks), checks::toString);
        assertEquals(3, checks.size());
    }

    @Test
    void aWeightedMixRunsEachScriptAsOftenAsItsClientsDrawIt(@TempDir Path dir) throws Exception {
        Path probe = dir.resolve("probe.sql");
        Files.writeString(probe, """
                -- every statement kind a script may hold, outside and inside a transaction
                \\set aid random_gaussian(1, 100000 * :scale, 4.0)
                \\set ratio 0.5 + :client_id
                \\set big :aid > 50000
                SELECT COUNT(*) FROM pgbench_accounts WHERE aid BETWEEN :aid AND :aid + 10;
                BEGIN;
                UPDATE pgbench_accounts SET filler = 'probe'
                  WHERE aid = :aid AND CAST(:ratio AS DOUBLE) > 0 AND (CAST(:big AS BOOLEAN) OR TRUE);
                ROLLBACK;
                \\sleep 0
                """);
        List<Script> scripts = ScriptSpec.loadAll(List.of(ScriptSpec.builtin("tpcb-like@3"),
                ScriptSpec.builtin("select-only@1"), ScriptSpec.parse(probe + "@1"),
                ScriptSpec.builtin("simple-update@0")));
        ScriptWorkload w = new ScriptWorkload(scripts, scale);
        int clients = 3;
        int perClient = 60;
        long seed = 5;
        DriverResult r = new Driver(db.dataSource(), w, limit(clients, perClient, seed)).run();
        assertEquals("script", r.workload());
        assertEquals(List.of("tpcb-like", "select-only", "probe", "simple-update"),
                r.types().stream().map(TypeResult::type).toList());
        assertEquals(0, r.totalFailures(), () -> r.failuresKept().toString());

        // replay the clients' draws: script i while the drawn weight falls in its share, then a transaction seed
        long[] expected = new long[4];
        for (int i = 0; i < clients; i++) {
            SplittableRandom random = new SplittableRandom(seed + i + 1);
            for (int n = 0; n < perClient; n++) {
                long x = random.nextLong(5);
                expected[x < 3 ? 0 : x < 4 ? 1 : 2]++;
                random.nextLong();
            }
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i], r.types().get(i).committed(), r.types().get(i).type());
        }
        assertEquals(0, expected[3], "weight 0: never");
        assertTrue(expected[2] > 0 && expected[1] > 0);
        assertEquals(0, count("SELECT COUNT(*) FROM pgbench_accounts WHERE filler = 'probe'"), "ROLLBACK undid it");
        assertEquals(List.of(), PgbenchChecks.violations(PgbenchChecks.check(db.dataSource())));
    }

    @Test
    void simpleUpdateKeepsOnlyTheAccountsBalancedWithTheHistory() throws Exception {
        try (TpccTestDb small = new TpccTestDb(3)) {
            try (Connection c = small.dataSource().getConnection()) {
                PgbenchSchema.create(c, 1);
                try (var s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO pgbench_branches (bid, bbalance) VALUES (1, 0)");
                    for (int t = 1; t <= 10; t++) {
                        s.executeUpdate("INSERT INTO pgbench_tellers (tid, bid, tbalance) VALUES (" + t + ", 1, 0)");
                    }
                    c.commit();
                }
            }
            // the accounts only as far as the script draws them: a \set caps aid at 100
            Script capped = ScriptParser.parse("capped.sql", Builtins.text(Builtins.SIMPLE_UPDATE)
                    .replace("\\set aid random(1, 100000 * :scale)", "\\set aid random(1, 100)"));
            try (Connection c = small.dataSource().getConnection(); var ps = c.prepareStatement(
                    "INSERT INTO pgbench_accounts (aid, bid, abalance, filler) VALUES (?, 1, 0, '')")) {
                for (int a = 1; a <= 100; a++) {
                    ps.setInt(1, a);
                    ps.executeUpdate();
                }
                c.commit();
            }
            DriverResult r = new Driver(small.dataSource(), new ScriptWorkload(List.of(capped), 1), limit(2, 20, 3)).run();
            assertEquals(40, r.totalCommitted(), () -> r.failuresKept().toString());
            Map<String, Boolean> passed = new java.util.HashMap<>();
            PgbenchChecks.check(small.dataSource()).forEach(c -> passed.put(c.name(), c.passed()));
            assertFalse(passed.get(PgbenchChecks.ROWS), "100 accounts, not 100,000");
            assertTrue(passed.get(PgbenchChecks.ACCOUNTS));
            assertFalse(passed.get(PgbenchChecks.TELLERS_BRANCHES), "simple-update leaves tellers and branches alone");
        }
    }
}
