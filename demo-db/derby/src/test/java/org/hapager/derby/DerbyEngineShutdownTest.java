package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hapager.server.process.PageServerProcess;
import org.hapager.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing of a cluster outlives the last database that uses it, also across shutdowns of Derby's whole
 * engine ({@code jdbc:derby:;shutdown=true}): after each shutdown the pager's I/O thread and the pool's
 * flusher are gone, the page servers count no session, and the pool's off-heap slab is freed. Several boot
 * and shutdown cycles leave nothing growing.
 */
class DerbyEngineShutdownTest {

    private static final long POOL_BYTES = 8L << 20;
    private static final List<String> CLUSTER_THREADS = List.of("hapager-pager-io", "hapager-bufferpool-flusher", "hapager-derby-cluster-closer");
    private static final Pattern SESSIONS = Pattern.compile("(?m)^hapager_server_sessions(?:\\{[^}]*})? (\\S+)$");

    @TempDir
    Path dir;

    @Test
    void engineShutdownLeavesNoThreadConnectionOrPoolMemoryOfTheCluster() throws Exception {
        Map<String, Integer> threadsBefore = clusterThreads();
        long directAfterFirst = 0;
        try (DerbyCluster cluster = new DerbyCluster("engine", dir, POOL_BYTES, Duration.ofSeconds(30),
                List.of("--metrics-port", "0")).idleClose(Duration.ZERO)) {
            for (int cycle = 1; cycle <= 3; cycle++) {
                int done = cycle;
                // each cycle on a thread of its own: Derby's engine shutdown drops its per-thread context list
                // without removing it (ContextService.stop), so the connecting thread keeps the last cycle's
                // objects reachable, the closed pool's slab among them, until it touches a ThreadLocal again
                java.util.concurrent.atomic.AtomicLong directBooted = new java.util.concurrent.atomic.AtomicLong();
                onItsOwnThread("cycle " + cycle, () -> directBooted.set(bootInsertShutDown(cluster, done)));
                Await.until("cycle " + done + ": no thread of the cluster after Derby's engine shut down",
                        () -> clusterThreads().equals(threadsBefore), () -> "threads " + clusterThreads() + ", before " + threadsBefore);
                Await.until("cycle " + done + ": no session on the page servers", () -> sessions(cluster) == 0,
                        () -> "sessions " + sessions(cluster));
                Await.until("cycle " + done + ": the pool's off-heap slab freed", () -> {
                    System.gc(); // direct buffers are freed by their cleaner, after a collection
                    return directBytes() < directBooted.get() - POOL_BYTES / 2;
                }, () -> "direct bytes " + directBytes() + ", booted " + directBooted.get());
                long direct = directBytes();
                if (cycle == 1) {
                    directAfterFirst = direct;
                }
                assertTrue(direct < directAfterFirst + POOL_BYTES / 2, "cycle " + cycle + ": off-heap bytes grow from "
                        + directAfterFirst + " after the first shutdown to " + direct);
                rebootEngine();
            }
        } finally {
            rebootEngine(); // the next test of this JVM finds Derby's driver registered
        }
    }

    /**
     * Boots the database (creating it the first time), inserts a row, checks the count, shuts the engine down;
     * returns the off-heap bytes while the database was booted.
     */
    private static long bootInsertShutDown(DerbyCluster cluster, int cycle) throws Exception {
        try (Connection c = cluster.connect("shop", cycle == 1 ? "create=true" : ""); Statement s = c.createStatement()) {
            if (cycle == 1) {
                s.execute("CREATE TABLE item (id INT PRIMARY KEY)");
            }
            s.execute("INSERT INTO item VALUES (" + cycle + ")");
            try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM item")) {
                assertTrue(r.next());
                assertEquals(cycle, r.getInt(1), "rows after " + cycle + " boots");
            }
        }
        assertTrue(sessions(cluster) > 0, "while the database is booted, the pager holds a session");
        long directBooted = directBytes();
        shutdownEngine();
        return directBooted;
    }

    interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} on a new thread and waits (deadline 60 s) for it; rethrows what it threw. */
    private static void onItsOwnThread(String name, Body body) throws Exception {
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, name);
        t.start();
        t.join(TimeUnit.SECONDS.toMillis(60));
        if (t.isAlive()) {
            throw new AssertionError(name + " still running after 60 s");
        }
        if (failure.get() instanceof Exception e) {
            throw e;
        }
        if (failure.get() instanceof Error e) {
            throw e;
        }
    }

    /** Shuts Derby's engine down: every booted database, then the engine (XJ015 is the success). */
    static void shutdownEngine() {
        try {
            DriverManager.getConnection("jdbc:derby:;shutdown=true");
            throw new AssertionError("engine shutdown did not report XJ015");
        } catch (SQLException e) {
            if (!"XJ015".equals(e.getSQLState())) {
                throw new AssertionError("engine shutdown failed: " + e, e);
            }
        }
    }

    /** Boots the engine again; an engine shutdown deregisters Derby's driver. */
    static void rebootEngine() throws Exception {
        Class.forName("org.apache.derby.jdbc.EmbeddedDriver").getDeclaredConstructor().newInstance();
    }

    /** Live threads of clusters, by name prefix. */
    private static Map<String, Integer> clusterThreads() {
        Map<String, Integer> counts = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            for (String prefix : CLUSTER_THREADS) {
                if (t.isAlive() && t.getName().startsWith(prefix)) {
                    counts.merge(prefix, 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    /** Sessions open on both page servers, from their metrics endpoints. */
    private static int sessions(DerbyCluster cluster) {
        return sessions(cluster.servers.primary) + sessions(cluster.servers.secondary);
    }

    private static int sessions(PageServerProcess server) {
        Matcher at = Pattern.compile("metrics at (http://\\S+/metrics)").matcher(server.output());
        if (!at.find()) {
            throw new AssertionError("page server without a metrics endpoint:\n" + server.output());
        }
        try {
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(at.group(1)))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = SESSIONS.matcher(metrics);
            if (!m.find()) {
                throw new AssertionError("no hapager_server_sessions in\n" + metrics);
            }
            return (int) Double.parseDouble(m.group(1));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted reading metrics", e);
        }
    }
}
