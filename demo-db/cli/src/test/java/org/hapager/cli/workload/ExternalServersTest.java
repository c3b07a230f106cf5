package org.hapager.cli.workload;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hapager.cli.ChildJvm;
import org.hapager.cli.InProcess;
import org.hapager.cli.metrics.PrometheusText;
import org.hapager.cli.metrics.PrometheusText.Family;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two-terminal example of docs/PAGE-SERVER.md for real: two {@code hapager server} processes (this module's command
 * line in child JVMs) over one data directory, and {@code hapager tpcc --servers A,B --token-file F} on them
 * with {@code --metrics-port}; {@code /metrics} is scraped while the run goes and parsed as the Prometheus
 * text format; the JSON result carries the storage figures; SIGTERM stops each server with exit code 0.
 */
class ExternalServersTest {

    private static final Pattern READY = Pattern.compile("page server ready on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private final List<Process> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        servers.forEach(Process::destroyForcibly);
    }

    @Test
    void tpccRunsOnPageServersStartedWithHapagerServerAndServesItsMetrics() throws Exception {
        Path store = dir.resolve("store");
        Path token = store.resolve("token"); // the servers' default: created by the first, read by the second
        int a = startServer(store);
        int b = startServer(store);
        int metricsPort = freePort();
        Path json = dir.resolve("result.json");

        StringBuilder out = new StringBuilder();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> InProcess.execute(out, err, "tpcc",
                "--servers", "127.0.0.1:" + a + ",127.0.0.1:" + b, "--token-file", token.toString(),
                "--reduce", "100", "-c", "2", "-T", "6", "--seed", "3", "--metrics-port", Integer.toString(metricsPort),
                "--json", json.toString(), "--data", dir.resolve("client").toString()));

        Map<String, Family> scraped = scrapeWhileRunning(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"), run);
        int rc = run.get(120, TimeUnit.SECONDS);
        String text = out + "\n---- stderr\n" + err;
        assertEquals(0, rc, text);
        assertNotNull(scraped, "no scrape during the run showed a committed transaction\n" + text);
        assertAll(
                () -> assertTrue(text.contains("metrics: http://127.0.0.1:" + metricsPort + "/metrics"), text),
                () -> assertTrue(text.contains("database: Derby on hapager (jdbc:derby:hapager:workload/tpcc) on page"
                        + " servers 127.0.0.1:" + a + ", 127.0.0.1:" + b), text),
                () -> assertTrue(text.contains("server 127.0.0.1:" + a), "progress lines name the serving server\n" + text));
        for (String family : List.of("hapager_pager_io_seconds", "hapager_pager_failovers_total",
                "hapager_pager_reissues_total", "hapager_bufferpool_hits_total", "hapager_workload_transaction_seconds",
                "hikaricp_connections", "jvm_memory_used_bytes", "process_uptime_seconds")) {
            Family f = scraped.get(family);
            assertNotNull(f, family + " missing from /metrics: " + scraped.keySet());
            assertEquals("hapager", f.samples().get(0).label("application"), family);
        }
        String result = Files.readString(json);
        ResultSchema.assertValid(result);
        assertTrue(result.contains("{\"name\":\"page_reads\""), result);
        assertTrue(result.contains("{\"name\":\"pool_hit_ratio\""), result);

        for (Process p : servers) {
            p.destroy(); // SIGTERM: the server drains and exits 0
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "a page server did not stop on SIGTERM");
            assertEquals(0, p.exitValue());
        }
    }

    /**
     * Scrapes until a scrape shows committed transactions (parsing every scrape strictly) or the run ends;
     * returns that scrape's families, or null.
     */
    private static Map<String, Family> scrapeWhileRunning(URI uri, CompletableFuture<Integer> run) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!run.isDone() && System.nanoTime() - deadline < 0) {
            HttpResponse<String> response;
            try {
                response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException notYet) { // the endpoint is opened when the command starts
                awaitEnd(run, 200);
                continue;
            }
            assertEquals(200, response.statusCode(), response.body());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            Map<String, Family> families = PrometheusText.parse(response.body());
            Family tx = families.get("hapager_workload_transaction_seconds");
            if (tx != null && tx.samples("hapager_workload_transaction_seconds_count").stream()
                    .anyMatch(s -> s.label("outcome").equals("committed") && s.value() > 0)) {
                return families;
            }
            awaitEnd(run, 500);
        }
        return null;
    }

    /** Waits up to {@code millis} for the run to end (the pause between two scrapes). */
    private static void awaitEnd(CompletableFuture<Integer> run, long millis) throws Exception {
        try {
            run.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillRunning) {
            // scrape again
        }
    }

    /**
     * Starts {@code hapager server --data STORE --port 0} (the token file defaulting to STORE/token) in a child
     * JVM; returns its port once it is ready.
     */
    private int startServer(Path store) throws Exception {
        ChildJvm child = ChildJvm.hapager(List.of("server", "--data", store.toString(), "--port", "0"));
        Process p = child.process();
        servers.add(p);
        LinkedBlockingQueue<String> lines = child.lines();
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() - deadline < 0) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line != null) {
                seen.append(line).append('\n');
                Matcher m = READY.matcher(line);
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            } else if (!p.isAlive()) {
                break;
            }
        }
        return fail("hapager server did not get ready:\n" + seen);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
