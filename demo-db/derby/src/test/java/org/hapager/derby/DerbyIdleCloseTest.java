package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.hapager.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster outlives a database's shutdown by its {@link ClusterSettings#idleClose()}: the next boot finds it
 * open (same pager, same pool) and cancels its pending close; with an idle close of zero it closes soon after
 * the shutdown; {@link HapagerDerby#close} closes it at once. Real page-server processes.
 */
class DerbyIdleCloseTest {

    @TempDir
    Path dir;

    @Test
    void aBootWithinTheIdleCloseReusesTheOpenCluster() throws Exception {
        try (DerbyCluster cluster = new DerbyCluster("idle", dir).idleClose(Duration.ofSeconds(30))) {
            bootAndRead(cluster, true);
            cluster.shutdown("shop");
            Cluster first = HapagerDerby.openNow(cluster.name);
            assertNotNull(first, "the cluster stays open after the database's shutdown");
            assertTrue(HapagerDerby.idleClosePending(cluster.name), "its idle close is pending");

            bootAndRead(cluster, false);
            assertSame(first, HapagerDerby.openNow(cluster.name), "the boot used the cluster left open");
            assertFalse(HapagerDerby.idleClosePending(cluster.name), "the boot cancelled the pending close");
            cluster.shutdown("shop");
            assertSame(first, HapagerDerby.openNow(cluster.name));

            HapagerDerby.close(cluster.name);
            assertNull(HapagerDerby.openNow(cluster.name), "HapagerDerby.close closes it at once");
            assertFalse(HapagerDerby.idleClosePending(cluster.name));
            bootAndRead(cluster, false); // and the next boot opens it again
            cluster.shutdown("shop");
        }
    }

    @Test
    void aHolderThatComesWhileTheCloseIsPendingKeepsTheClusterOpen() throws Exception {
        try (DerbyCluster cluster = new DerbyCluster("idle-race", dir).idleClose(Duration.ZERO)) {
            Cluster first = HapagerDerby.acquire(cluster.name);
            for (int i = 0; i < 100; i++) {
                HapagerDerby.release(first);
                assertTrue(HapagerDerby.idleClosePending(cluster.name), "release " + i + " schedules the close");
                assertSame(first, HapagerDerby.acquire(cluster.name), "acquire " + i + " while the close is pending");
                assertFalse(HapagerDerby.idleClosePending(cluster.name), "acquire " + i + " cancelled the close");
            }
            assertEquals(0, Uninterruptible.await(first.pager, () -> first.pager.stat("nothing-here"), "stat").length(),
                    "the cluster still answers");
            HapagerDerby.release(first);
            Await.until("the idle close of an unused cluster",
                    () -> HapagerDerby.openNow(cluster.name) == null, () -> "still open");
        }
    }

    private static void bootAndRead(DerbyCluster cluster, boolean create) throws Exception {
        try (Connection c = cluster.connect("shop", create ? "create=true" : ""); Statement s = c.createStatement()) {
            if (create) {
                s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
                s.execute("INSERT INTO t VALUES (1)");
            }
            try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM t")) {
                assertTrue(r.next());
                assertEquals(1, r.getInt(1));
            }
        }
    }
}
