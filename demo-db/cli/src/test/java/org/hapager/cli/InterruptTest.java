package org.hapager.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hapager.cli.metrics.PrometheusText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C for real: {@code hapager demo}, {@code hapager tpcc} and {@code hapager chaos} run in a child JVM, get SIGINT once their
 * run is under way, and must exit 130 with no page server left behind. On the way, the demo's page servers
 * serve their own meters ({@code --metrics-port}): one is scraped and parsed.
 */
class InterruptTest {

    private static final Pattern SERVER_METRICS = Pattern.compile("page server metrics: (\\S+) \\(primary\\)");
    private static final Pattern SERVERS = Pattern.compile("primary \\S+ \\(pid (\\d+)\\), secondary \\S+ \\(pid (\\d+)\\)");

    @TempDir
    Path dir;

    @Test
    void ctrlCDuringTheDemoStopsItAndItsPageServers() throws Exception {
        // with --metrics-port, each page server serves its own meters: the primary's is scraped mid-run
        String seen = interruptDuringRun("demo", "--reduce", "100", "--terminals", "2", "--duration", "120",
                "--no-faults", "--metrics-port", "0", "--report", dir.resolve("r.html").toString(), "--data",
                dir.resolve("demo").toString());
        assertTrue(seen.contains("page server metrics: http://127.0.0.1:"), seen);
    }

    @Test
    void ctrlCDuringTpccStopsItAndItsPageServers() throws Exception {
        interruptDuringRun("tpcc", "--reduce", "100", "-c", "2", "-T", "120", "--data", dir.resolve("tpcc").toString());
    }

    @Test
    void ctrlCDuringAChaosCampaignStopsItsFaultsAndEveryPageServerItStarted() throws Exception {
        // faults back to back from 0.2 s: SIGINT comes while one is under way (seed 145: a restart first)
        String seen = interruptDuringRun("chaos", "--workload", "tpcc", "--reduce", "100", "-c", "2", "--duration",
                "120", "-P", "1", "--fault-interval", "0.1s", "--seed", "145", "--report",
                dir.resolve("chaos.html").toString(), "--data", dir.resolve("chaos").toString());
        Matcher pid = Pattern.compile("\\(pid (\\d+)\\)").matcher(seen);
        while (pid.find()) {
            long p = Long.parseLong(pid.group(1));
            assertTrue(ProcessHandle.of(p).map(h -> !h.isAlive()).orElse(true), "page server " + p
                    + " outlived the command:\n" + seen);
        }
    }

    /** Runs the command, scrapes the page servers' metrics if it prints them, sends SIGINT; returns its output. */
    private static String interruptDuringRun(String... args) throws Exception {
        ChildJvm child = ChildJvm.hapager(List.of(args));
        Process p = child.process();
        try {
            LinkedBlockingQueue<String> lines = child.lines();
            StringBuilder seen = new StringBuilder();
            long[] pids = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                String line = lines.poll(1, TimeUnit.SECONDS);
                if (line == null) {
                    if (!p.isAlive() || System.nanoTime() - deadline > 0) {
                        fail("no progress line from " + String.join(" ", args) + ":\n" + seen);
                    }
                    continue;
                }
                seen.append(line).append('\n');
                Matcher m = SERVERS.matcher(line);
                if (m.find()) {
                    pids = new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
                }
                if (line.startsWith("progress: ")) {
                    break;
                }
            }
            assertTrue(pids != null, "no page server line:\n" + seen);
            Matcher metrics = SERVER_METRICS.matcher(seen);
            if (metrics.find()) {
                String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metrics.group(1)))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
                Map<String, PrometheusText.Family> families = PrometheusText.parse(body);
                assertTrue(families.containsKey("hapager_server_requests_total")
                        && families.containsKey("hapager_server_fsync_seconds"), families.keySet().toString());
            }
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
            assertEquals(0, kill.waitFor());

            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running 60 s after SIGINT:\n" + seen);
            drain(lines, seen);
            assertEquals(130, p.exitValue(), seen.toString());
            assertTrue(seen.toString().contains("interrupted"), seen.toString());
            for (long pid : pids) {
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                        "page server " + pid + " outlived the command:\n" + seen);
            }
            return seen.toString();
        } finally {
            p.destroyForcibly();
        }
    }

    private static void drain(LinkedBlockingQueue<String> lines, StringBuilder seen) throws InterruptedException {
        for (String line = lines.poll(2, TimeUnit.SECONDS); line != null; line = lines.poll(1, TimeUnit.SECONDS)) {
            seen.append(line).append('\n');
        }
    }
}
