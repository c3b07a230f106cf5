package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.hapager.pager.PagerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster left open by its idle close must not serve a database from what it cached before another JVM
 * held the database's lock and changed it. Two cluster names registered on the same page servers stand for
 * two JVMs: each has its own pager and pool, and both reach the same volumes.
 */
class DerbyIdleCloseStaleTest {

    @TempDir
    Path dir;

    @Test
    void aBootAfterAnotherJvmChangedTheDatabaseReadsItsChanges() throws Exception {
        try (DerbyCluster here = new DerbyCluster("stale-a", dir).idleClose(Duration.ofSeconds(60))) {
            PagerConfig samePager = PagerConfig.builder()
                    .servers(here.servers.primary.address(), here.servers.secondary.address())
                    .tokenFile(here.servers.token).lease(Duration.ofMillis(500)).build();
            HapagerDerby.register("stale-b", ClusterSettings.of(samePager).withPool(8L << 20, 4096)
                    .withLockExpiry(Duration.ofSeconds(6)).withIdleClose(Duration.ZERO));
            String there = "jdbc:derby:hapager:stale-b/shop";
            try {
                try (Connection c = here.connect("shop", "create=true"); Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
                    s.execute("INSERT INTO t VALUES (1)");
                }
                here.shutdown("shop");
                Cluster kept = HapagerDerby.openNow(here.name);
                assertNotNull(kept, "the idle close keeps the cluster, and its cached pages, open");

                try (Connection c = java.sql.DriverManager.getConnection(there); Statement s = c.createStatement()) {
                    for (int id = 2; id <= 200; id++) {
                        s.execute("INSERT INTO t VALUES (" + id + ")");
                    }
                }
                shutdown(there);

                try (Connection c = here.connect("shop", ""); Statement s = c.createStatement();
                     ResultSet r = s.executeQuery("SELECT COUNT(*), MAX(id) FROM t")) {
                    assertSame(kept, HapagerDerby.openNow(here.name), "booted on the cluster left open");
                    assertTrue(r.next());
                    assertEquals(200, r.getInt(1), "rows written by the other JVM while this one's cluster lingered");
                    assertEquals(200, r.getInt(2));
                }
                here.shutdown("shop");
            } finally {
                HapagerDerby.close("stale-b");
            }
        }
    }

    private static void shutdown(String url) {
        try {
            java.sql.DriverManager.getConnection(url + ";shutdown=true");
            throw new AssertionError("shutdown of " + url + " did not report 08006");
        } catch (java.sql.SQLException e) {
            if (!"08006".equals(e.getSQLState())) {
                throw new AssertionError("shutdown of " + url + " failed: " + e, e);
            }
        }
    }
}
