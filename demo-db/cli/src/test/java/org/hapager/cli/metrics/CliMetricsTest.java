package org.hapager.cli.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hapager.cli.metrics.PrometheusText.Family;
import org.hapager.cli.metrics.PrometheusText.Sample;
import org.hapager.cli.metrics.PrometheusText.Type;
import org.hapager.pager.PagerClient;
import org.hapager.pager.PagerConfig;
import org.hapager.server.process.PageServerProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliMetricsTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void derbyLogInTarget() {
        // Derby reads this at its first boot in the JVM; keep its log out of the module directory.
        if (System.getProperty("derby.stream.error.file") == null) {
            System.setProperty("derby.stream.error.file", Path.of("target", "derby.log").toAbsolutePath().toString());
        }
    }

    @Test
    void servesEveryKindOfMeterInPrometheusText() throws Exception {
        try (CliMetrics metrics = CliMetrics.open(0)) {
            URI url = metrics.url().orElseThrow();
            assertEquals("http://127.0.0.1:" + metrics.address().orElseThrow().getPort() + "/metrics", url.toString());
            assertTrue(metrics.address().orElseThrow().getPort() > 0);

            HikariConfig config = new HikariConfig();
            config.setJdbcUrl("jdbc:derby:memory:m;create=true");
            config.setPoolName("tpcc");
            config.setMaximumPoolSize(2);
            assertSame(config, metrics.track(config));
            try (HikariDataSource pool = new HikariDataSource(config);
                 Connection c = pool.getConnection();
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("VALUES 1")) {
                assertTrue(rs.next());
                Timer.builder("hapager.workload.transaction").tag("type", "new_order").tag("outcome", "committed")
                        .register(metrics.registry()).record(Duration.ofMillis(7));
                Counter.builder("hapager.workload.transaction.retries").tag("type", "new_order")
                        .register(metrics.registry()).increment(3);

                HttpResponse<String> response = get(url);
                assertEquals(200, response.statusCode());
                String contentType = response.headers().firstValue("Content-Type").orElse("");
                assertTrue(contentType.startsWith("text/plain") && contentType.contains("version=0.0.4"), contentType);
                Map<String, Family> families = PrometheusText.parse(response.body());

                assertTagged(families, "jvm_memory_used_bytes", Type.GAUGE);
                assertTagged(families, "process_uptime_seconds", Type.GAUGE);
                assertTagged(families, "jvm_threads_live_threads", Type.GAUGE);
                assertTagged(families, "jvm_classes_loaded_classes", Type.GAUGE);
                assertTagged(families, "system_cpu_count", Type.GAUGE);
                Family connections = assertTagged(families, "hikaricp_connections", Type.GAUGE);
                assertEquals("tpcc", connections.samples().get(0).label("pool"));
                assertEquals(1, value(families, "hikaricp_connections_active", "hikaricp_connections_active"));
                assertTagged(families, "hikaricp_connections_acquire_seconds", Type.SUMMARY);

                Family tx = assertTagged(families, "hapager_workload_transaction_seconds", Type.SUMMARY);
                Sample count = one(tx.samples("hapager_workload_transaction_seconds_count"));
                assertEquals(Map.of("application", "hapager", "type", "new_order", "outcome", "committed"), count.labels());
                assertEquals(1, count.value());
                assertEquals(0.007, one(tx.samples("hapager_workload_transaction_seconds_sum")).value(), 1e-9);
                assertEquals(3, value(families, "hapager_workload_transaction_retries_total",
                        "hapager_workload_transaction_retries_total"));

                assertEquals(404, get(url.resolve("/other")).statusCode());
                assertEquals(404, get(url.resolve("/metrics/x")).statusCode());
            }
            // a closed pool takes its meters with it
            assertFalse(PrometheusText.parse(get(url).body()).containsKey("hikaricp_connections"));
        }
    }

    @Test
    void pagerTimersOfOneNameScrapeAsOneHistogram(@TempDir Path dir) throws Exception {
        try (CliMetrics metrics = CliMetrics.open(0);
             PageServerProcess server = PageServerProcess.start(java.nio.file.Files.createDirectories(dir.resolve("data")), dir.resolve("token"));
             PagerClient client = PagerClient.connect(PagerConfig.builder().servers(server.address())
                     .tokenFile(dir.resolve("token")).meterRegistry(metrics.registry()).build())) {
            // a client registers its meters as it connects; hapager.pager.io: every operation's timer is one
            // histogram family (micrometer#5150 if they disagree)
            Map<String, Family> families = PrometheusText.parse(get(metrics.url().orElseThrow()).body());

            Family io = assertTagged(families, "hapager_pager_io_seconds", Type.HISTOGRAM);
            for (String op : List.of("read", "write", "sync", "mkdirs")) {
                assertEquals(0, io.samples("hapager_pager_io_seconds_count").stream()
                        .filter(s -> s.label("op").equals(op) && s.label("outcome").equals("ok"))
                        .findFirst().orElseThrow().value(), op);
            }
            Family reissues = assertTagged(families, "hapager_pager_reissues_total", Type.COUNTER);
            assertEquals(List.of("after_accept", "after_completion", "before_accept", "before_send"),
                    reissues.samples().stream().map(s -> s.label("window")).sorted().toList());
            Family stall = assertTagged(families, "hapager_pager_failover_stall_seconds", Type.SUMMARY);
            assertEquals(List.of("0.5", "0.99"), stall.samples("hapager_pager_failover_stall_seconds").stream()
                    .map(s -> s.label("quantile")).toList());
            assertTagged(families, "hapager_lease_expirations_total", Type.COUNTER);
        }
    }

    @Test
    void tracksARunningPool() throws Exception {
        try (CliMetrics metrics = CliMetrics.open(0);
             HikariDataSource pool = new HikariDataSource(derbyConfig("running"))) {
            pool.getConnection().close();
            metrics.track(pool);
            metrics.track(pool); // again: already this registry, nothing to do
            Family connections = PrometheusText.parse(get(metrics.url().orElseThrow()).body()).get("hikaricp_connections");
            assertEquals("running", connections.samples().get(0).label("pool"));

            HikariConfig other = derbyConfig("other");
            other.setMetricRegistry(new SimpleMeterRegistry());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> metrics.track(other));
            assertTrue(e.getMessage().contains("HikariCP pool other already reports its metrics elsewhere"), e.getMessage());
        }
    }

    @Test
    void closingFreesThePort() throws Exception {
        int port;
        try (CliMetrics first = CliMetrics.open(0)) {
            port = first.address().orElseThrow().getPort();
            assertEquals(200, get(first.url().orElseThrow()).statusCode());
        }
        try (CliMetrics second = CliMetrics.open(port)) {
            assertEquals(port, second.address().orElseThrow().getPort());
            assertEquals(200, get(second.url().orElseThrow()).statusCode());
            second.close();
            second.close(); // idempotent
        }
    }

    @Test
    void aTakenPortIsAClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            IOException e = assertThrows(IOException.class, () -> CliMetrics.open(port));
            assertTrue(e.getMessage().startsWith("cannot serve metrics on 127.0.0.1:" + port + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CliMetrics.open(65536));
        assertTrue(e.getMessage().contains("65536"), e.getMessage());
    }

    @Test
    void withoutAPortTheCommandReadsASimpleRegistry() throws Exception {
        try (CliMetrics metrics = CliMetrics.open(null)) {
            assertTrue(metrics.url().isEmpty());
            assertTrue(metrics.address().isEmpty());
            assertInstanceOf(SimpleMeterRegistry.class, metrics.registry());
            assertTrue(metrics.registry().find("jvm.memory.used").tag("application", "hapager").gauge() != null);
            Timer t = metrics.registry().timer("hapager.workload.transaction", "type", "payment", "outcome", "committed");
            t.record(Duration.ofMillis(2));
            t.record(Duration.ofMillis(3));
            assertEquals(2, metrics.registry().get("hapager.workload.transaction").tag("type", "payment").timer().count());
        }
    }

    private static HikariConfig derbyConfig(String poolName) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:derby:memory:" + poolName + ";create=true");
        config.setPoolName(poolName);
        config.setMaximumPoolSize(1);
        return config;
    }

    /** The family, present with samples that all carry {@code application=hapager}. */
    private static Family assertTagged(Map<String, Family> families, String name, Type type) {
        Family family = families.get(name);
        assertTrue(family != null, () -> name + " missing; families: " + families.keySet());
        assertEquals(type, family.type(), name);
        assertFalse(family.samples().isEmpty(), name);
        for (Sample s : family.samples()) {
            assertEquals("hapager", s.label("application"), s.toString());
        }
        return family;
    }

    private static double value(Map<String, Family> families, String family, String sample) {
        return one(families.get(family).samples(sample)).value();
    }

    private static Sample one(List<Sample> samples) {
        assertEquals(1, samples.size(), samples.toString());
        return samples.get(0);
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
