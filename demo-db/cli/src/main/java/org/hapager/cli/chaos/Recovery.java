package org.hapager.cli.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.hapager.cli.HapagerCli;
import org.hapager.cli.servers.LocalPageServers;
import org.hapager.cli.workload.Target;
import org.hapager.server.process.PageServerProcess;
import org.hapager.workload.result.CheckResult;

/**
 * The end of a {@code hapager chaos} campaign: Derby shut down here (its database lock released) and the
 * cluster closed, both page servers killed with kill -9 and started again, and the database booted in a fresh
 * JVM, {@code hapager chaos-verify} started from this JVM's class path ({@link ChaosVerifyCommand}), which runs
 * the workload's checks and counts the {@link Ledger}'s tables. Its lines are read back into checks named
 * {@code after recovery: …}; a fresh JVM that does not finish within {@value #DEADLINE_SECONDS} s, or ends
 * without its checks, is a failed check naming its last lines.
 *
 * <p>Used by the command's thread; {@link #cancel()} by the shutdown hook (Ctrl-C).
 */
final class Recovery {

    /** How long the fresh JVM may take to boot the database and check it. */
    static final long DEADLINE_SECONDS = 300;

    private final Target target;
    private final ChaosCommand.WorkloadName workload;
    private final long leaseMillis;
    private final PrintWriter out;
    private volatile Process verifier;
    private volatile boolean cancelled;

    Recovery(Target target, ChaosCommand.WorkloadName workload, long leaseMillis, PrintWriter out) {
        this.target = target;
        this.workload = workload;
        this.leaseMillis = leaseMillis;
        this.out = out;
    }

    /** Ctrl-C: the fresh JVM, if running, is killed. */
    void cancel() {
        cancelled = true;
        Process p = verifier;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    /** Runs the recovery; returns the fresh JVM's checks and the ledger's, against {@code expected}. */
    List<CheckResult> run(Ledger ledger, Map<String, Long> expected) throws InterruptedException {
        out.println("recovery: Derby shut down here; both page servers killed (kill -9) and started again; the database"
                + " booted in a fresh JVM, checked again:");
        out.flush();
        target.releaseDatabase();
        LocalPageServers servers = target.servers();
        List<CheckResult> checks = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                PageServerProcess p = servers.get(i);
                if (!p.isAlive()) {
                    out.printf(Locale.ROOT, "  %s (pid %d) had exited (code %d) after Derby's shutdown%n", servers.key(i),
                            p.pid(), p.exitCode());
                }
                ChaosInjector.kill9(p);
            }
            RuntimeException[] failed = new RuntimeException[1];
            Thread second = new Thread(() -> { // both at once: a start takes seconds on a busy machine
                try {
                    servers.restart(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failed[0] = e;
                }
            }, "hapager-chaos-restart");
            second.start();
            servers.restart(0);
            second.join(TimeUnit.SECONDS.toMillis(120));
            if (failed[0] != null || !servers.get(1).isAlive()) {
                throw failed[0] != null ? failed[0] : new IllegalStateException("page server " + servers.key(1)
                        + " did not start again within 120 s");
            }
        } catch (RuntimeException e) {
            checks.add(new CheckResult("after recovery: both page servers restarted", false, e.getMessage()));
            return checks;
        }
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), HapagerCli.class.getName(), "chaos-verify",
                "--workload", workload.name().toLowerCase(Locale.ROOT), "--servers",
                servers.key(0) + "," + servers.key(1), "--token-file",
                target.directory().resolve("hapager.token").toString(), "--data",
                target.directory().resolve("recovery").toString(), "--lease-ms", Long.toString(leaseMillis)));
        List<String> lines = new CopyOnWriteArrayList<>();
        int code;
        long t0 = System.nanoTime();
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            verifier = p;
            if (cancelled) {
                p.destroyForcibly(); // Ctrl-C came just before
            }
            Thread reader = new Thread(() -> readLines(p, lines), "hapager-chaos-verify-output");
            reader.setDaemon(true);
            reader.start();
            if (!p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                checks.add(new CheckResult("after recovery: the fresh JVM checked the database", false,
                        "it did not finish within " + DEADLINE_SECONDS + " s; its last lines: " + tail(lines)));
                return checks;
            }
            code = p.exitValue();
            reader.join(TimeUnit.SECONDS.toMillis(10));
        } catch (IOException e) {
            checks.add(new CheckResult("after recovery: the fresh JVM checked the database", false,
                    "could not start it: " + e));
            return checks;
        } finally {
            verifier = null;
        }
        Map<String, Long> recovered = new LinkedHashMap<>();
        List<CheckResult> fromChild = new ArrayList<>();
        boolean ended = false;
        for (String line : lines) {
            if (!line.startsWith(ChaosVerifyCommand.PREFIX)) {
                continue;
            }
            String[] w = line.substring(ChaosVerifyCommand.PREFIX.length()).split(" ", 3);
            switch (w[0]) {
                case "booted" -> out.printf(Locale.ROOT, "  the fresh JVM booted the database in %s s (%.1f s with"
                        + " its start)%n", w[1], (System.nanoTime() - t0) / 1e9);
                case "ledger" -> recovered.put(w[1], Long.parseLong(w[2]));
                case "check" -> {
                    String[] nameDetail = w[2].split("\t", 2);
                    fromChild.add(new CheckResult("after recovery: " + nameDetail[0], w[1].equals("pass"),
                            nameDetail.length > 1 ? nameDetail[1] : ""));
                }
                case "end" -> ended = true;
                default -> { // "error ..."
                }
            }
        }
        if (!ended || fromChild.isEmpty()) {
            checks.add(new CheckResult("after recovery: the fresh JVM checked the database", false,
                    "it exited with code " + code + " before its checks; its last lines: " + tail(lines)));
            return checks;
        }
        checks.addAll(fromChild);
        checks.addAll(ledger.same(expected, recovered));
        out.println("  ledger after recovery: " + recovered);
        return checks;
    }

    private static void readLines(Process p, List<String> lines) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lines.add(line);
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    private static String tail(List<String> lines) {
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
    }

}
