package org.hapager.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C for real: {@code hapager demo} and {@code hapager tpcc} run in a child JVM, get SIGINT once their
 * run is under way, and must exit 130 with no page server left behind.
 */
class InterruptTest {

    private static final Pattern SERVERS = Pattern.compile("primary \\S+ \\(pid (\\d+)\\), secondary \\S+ \\(pid (\\d+)\\)");

    @TempDir
    Path dir;

    @Test
    void ctrlCDuringTheDemoStopsItAndItsPageServers() throws Exception {
        interruptDuringRun("demo", "--reduce", "100", "--terminals", "2", "--duration", "120", "--no-faults",
                "--report", dir.resolve("r.html").toString(), "--data", dir.resolve("demo").toString());
    }

    @Test
    void ctrlCDuringTpccStopsItAndItsPageServers() throws Exception {
        interruptDuringRun("tpcc", "--reduce", "100", "-c", "2", "-T", "120", "--data", dir.resolve("tpcc").toString());
    }

    private static void interruptDuringRun(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), HapagerCli.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            LinkedBlockingQueue<String> lines = follow(p);
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
        } finally {
            p.destroyForcibly();
        }
    }

    private static LinkedBlockingQueue<String> follow(Process p) {
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "child-output");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private static void drain(LinkedBlockingQueue<String> lines, StringBuilder seen) throws InterruptedException {
        for (String line = lines.poll(2, TimeUnit.SECONDS); line != null; line = lines.poll(1, TimeUnit.SECONDS)) {
            seen.append(line).append('\n');
        }
    }
}
