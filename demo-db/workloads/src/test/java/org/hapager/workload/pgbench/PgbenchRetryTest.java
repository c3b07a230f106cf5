package org.hapager.workload.pgbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.hapager.workload.driver.Driver;
import org.hapager.workload.driver.DriverOptions;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.driver.FailureInfo;
import org.hapager.workload.tpcc.TpccTestDb;
import org.junit.jupiter.api.Test;

/**
 * A real Derby deadlock between two clients of one script: client 0 updates row 1 then row 2, client 1 row 2
 * then row 1. A barrier (in a wrapper around the connections, so the script runs unchanged) holds each
 * client's first try before its second update until both hold their first row; Derby then picks a victim.
 */
class PgbenchRetryTest {

    private static final String SCRIPT = """
            \\set first :client_id + 1
            \\set second 2 - :client_id
            BEGIN;
            UPDATE pair SET v = v + 1 WHERE id = :first;
            UPDATE pair SET v = v + 10 WHERE id = :second;
            END;
            """;

    @Test
    void theDeadlockVictimIsRolledBackRetriedAndCountedAndBothCommit() throws Exception {
        try (TpccTestDb db = new TpccTestDb(3)) {
            createPair(db);
            ScriptWorkload w = new ScriptWorkload(List.of(ScriptParser.parse("cross.sql", SCRIPT)), 1);
            DriverResult r = new Driver(crossing(db.dataSource()), w, options()).run();
            assertEquals(0, r.totalFailures(), () -> r.failuresKept().toString());
            assertEquals(2, r.totalCommitted());
            assertEquals(1, r.totalRetries(), "Derby picked one victim, which was retried once");
            assertEquals(1, r.type("cross").retries());
            assertEquals(22, sum(db), "both transactions committed both updates");
        }
    }

    @Test
    void withOneTryTheVictimFailsWithTheScriptsLineAndTheOtherCommits() throws Exception {
        try (TpccTestDb db = new TpccTestDb(3)) {
            createPair(db);
            ScriptWorkload w = new ScriptWorkload(List.of(ScriptParser.parse("cross.sql", SCRIPT)), 1, 1);
            DriverResult r = new Driver(crossing(db.dataSource()), w, options()).run();
            assertEquals(1, r.totalCommitted());
            assertEquals(1, r.totalFailures());
            assertEquals(0, r.totalRetries());
            FailureInfo f = r.failuresKept().get(0);
            assertEquals("40001", f.sqlState());
            assertTrue(f.message().contains("cross.sql:5: "), f.message());
            assertTrue(f.message().endsWith("(still 40001 after 1 try)"), f.message());
            assertEquals(11, sum(db), "the victim's first update was rolled back");
        }
    }

    private static DriverOptions options() {
        return new DriverOptions(2, Duration.ZERO, 1, 1, Connection.TRANSACTION_READ_COMMITTED,
                Duration.ofSeconds(1), s -> { }, null, 10);
    }

    private static void createPair(TpccTestDb db) throws Exception {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE pair (id INT PRIMARY KEY, v INT)");
            s.execute("INSERT INTO pair VALUES (1, 0), (2, 0)");
            c.commit();
        }
    }

    private static long sum(TpccTestDb db) throws Exception {
        try (Connection c = db.dataSource().getConnection()) {
            long n = PgbenchLoaderTest.number(c, "SELECT SUM(v) FROM pair");
            c.commit();
            return n;
        }
    }

    /**
     * The DataSource with a barrier before each client thread's first execution of the second update: each
     * thread has run its first update, and holds that row, when both go on.
     */
    private static DataSource crossing(DataSource ds) {
        CyclicBarrier bothHoldOneRow = new CyclicBarrier(2);
        Set<Thread> passed = ConcurrentHashMap.newKeySet();
        InvocationHandler source = (proxy, m, args) -> {
            Object result = invoke(ds, m, args);
            return result instanceof Connection c ? wrap(Connection.class, c, (p, cm, cargs) -> {
                Object r = invoke(c, cm, cargs);
                if (r instanceof PreparedStatement ps && cm.getName().equals("prepareStatement")
                        && ((String) cargs[0]).contains("v + 10")) {
                    return wrap(PreparedStatement.class, ps, (pp, sm, sargs) -> {
                        if (sm.getName().startsWith("execute") && passed.add(Thread.currentThread())) {
                            bothHoldOneRow.await(30, TimeUnit.SECONDS);
                        }
                        return invoke(ps, sm, sargs);
                    });
                }
                return r;
            }) : result;
        };
        return wrap(DataSource.class, ds, source);
    }

    private static <T> T wrap(Class<T> type, T target, InvocationHandler h) {
        return type.cast(Proxy.newProxyInstance(PgbenchRetryTest.class.getClassLoader(), new Class<?>[] {type}, h));
    }

    private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
