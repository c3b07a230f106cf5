package org.hapager.workload.tpcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hapager.workload.tpcc.transactions.TxContext;
import org.junit.jupiter.api.Test;

/** Deadlock victims and lock time-outs are rolled back and retried and counted; anything else fails at once. */
class TpccRetryTest {

    @Test
    void retryableStatesAreRetriedOthersAreNot() throws Exception {
        try (TpccTestDb db = new TpccTestDb(1); Connection c = db.dataSource().getConnection()) {
            AtomicInteger retries = new AtomicInteger();
            TxContext tx = new TxContext(c, 5, retries::incrementAndGet);
            AtomicInteger calls = new AtomicInteger();
            String[] states = {"40001", "40XL1", "40XL2"};
            assertEquals("done", tx.retry(() -> {
                int n = calls.getAndIncrement();
                if (n < states.length) {
                    throw new SQLException("victim", states[n]);
                }
                return "done";
            }));
            assertEquals(3, retries.get());

            SQLException other = assertThrows(SQLException.class, () -> tx.retry(() -> {
                throw new SQLException("syntax", "42X01");
            }));
            assertEquals("42X01", other.getSQLState());
            assertEquals(3, retries.get(), "not retried");

            SQLException exhausted = assertThrows(SQLException.class, () -> tx.retry(() -> {
                throw new SQLException("always a victim", "40001");
            }));
            assertTrue(exhausted.getMessage().contains("after 5 attempts"), exhausted.getMessage());
            assertEquals(3 + 4, retries.get());
            assertTrue(TxContext.isRetryable(new SQLException("wrapped", "XJ001", new SQLException("d", "40001"))));
        }
    }

    @Test
    void aRealDerbyDeadlockIsRetriedAndBothTransactionsCommit() throws Exception {
        try (TpccTestDb db = new TpccTestDb(3)) {
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE pair (id INT PRIMARY KEY, v INT)");
                s.execute("INSERT INTO pair VALUES (1, 0), (2, 0)");
                c.commit();
            }
            CyclicBarrier bothHoldOneRow = new CyclicBarrier(2);
            AtomicInteger retries = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<?> a = pool.submit(() -> crossUpdate(db, 1, 2, bothHoldOneRow, retries));
                Future<?> b = pool.submit(() -> crossUpdate(db, 2, 1, bothHoldOneRow, retries));
                a.get(60, TimeUnit.SECONDS);
                b.get(60, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            assertEquals(1, retries.get(), "Derby picked one victim, which was retried");
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
                 var rs = s.executeQuery("SELECT SUM(v) FROM pair")) {
                rs.next();
                assertEquals(4, rs.getInt(1), "both transactions committed both updates");
                c.commit();
            }
        }
    }

    private static Void crossUpdate(TpccTestDb db, int first, int second, CyclicBarrier barrier, AtomicInteger retries)
            throws Exception {
        try (Connection c = db.dataSource().getConnection()) {
            TxContext tx = new TxContext(c, 3, retries::incrementAndGet);
            AtomicInteger attempt = new AtomicInteger();
            tx.retry(() -> {
                var ps = tx.prepare("UPDATE pair SET v = v + 1 WHERE id = ?");
                ps.setInt(1, first);
                ps.executeUpdate();
                if (attempt.getAndIncrement() == 0) {
                    try {
                        barrier.await(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new SQLException("barrier", e);
                    }
                }
                ps.setInt(1, second);
                ps.executeUpdate();
                tx.commit();
                return null;
            });
            tx.close();
        }
        return null;
    }
}
