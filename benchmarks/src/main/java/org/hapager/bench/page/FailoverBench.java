package org.hapager.bench.page;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hapager.cli.AddedCommand;
import org.hapager.cli.SharedOptions;
import org.hapager.pager.PagerClient;
import org.hapager.pager.PagerConfig;
import org.hapager.pager.Volume;
import org.hapager.server.process.PageServerProcess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code hapager failover-bench}: a steady 4 KiB read/write load through a client of two page servers, whose
 * current server is killed (kill -9) or frozen (SIGSTOP) again and again and restarted as the secondary.
 * For each fault it measures the stall (fault → first completion of a request issued after it) and the
 * longest time any caller
 * waited for a request in flight across it; and, in the same run, the throughput of the same load with HA
 * (two servers configured) against one server alone.
 */
@Command(name = "failover-bench", mixinStandardHelpOptions = true,
        description = {"Kill -9 (and SIGSTOP) the serving page server under load, many times; report stalls and",
                "the longest caller wait as JSON, with HA-on vs single-server throughput measured in the same run.",
                "The results go to " + FailoverBench.RESULTS + " unless --json names another file."})
public final class FailoverBench implements Callable<Integer>, AddedCommand {

    /** Where the results go unless {@code --json} says otherwise. */
    static final String RESULTS = "bench-results/failover.json";

    @Option(names = "--faults", defaultValue = "20", description = "faults of each kind (default: ${DEFAULT-VALUE})")
    int faults;

    @Option(names = "--kinds", defaultValue = "kill9,sigstop", split = ",", description = "fault kinds: kill9, sigstop (default: ${DEFAULT-VALUE})")
    List<String> kinds;

    @Option(names = "--queue-depth", defaultValue = "8", description = "requests kept in flight (default: ${DEFAULT-VALUE})")
    int queueDepth;

    /** 500 ms: see {@link SharedOptions}. */
    @Mixin
    SharedOptions.Lease lease = new SharedOptions.Lease(500);

    @Option(names = "--fence-timeout-ms", defaultValue = "150", description = "servers' fence timeout (default: ${DEFAULT-VALUE})")
    long fenceTimeoutMillis;

    @Option(names = "--throughput-seconds", defaultValue = "5", description = "seconds of each throughput cell (default: ${DEFAULT-VALUE})")
    double throughputSeconds;

    @Option(names = "--settle-ms", defaultValue = "1500", description = "pause after restarting a server before the next"
            + " fault, so the client has its standby session again (default: ${DEFAULT-VALUE})")
    long settleMillis;

    @Mixin
    SharedOptions.Json results = new SharedOptions.Json(RESULTS);

    @Spec
    CommandSpec spec;

    private static final int PAGES = 4096;

    @Override
    public Integer call() throws Exception {
        for (String kind : kinds) {
            if (!kind.equals("kill9") && !kind.equals("sigstop")) {
                throw new ParameterException(spec.commandLine(), "unknown fault kind '" + kind + "' (expected: kill9, sigstop)");
            }
        }
        lease.validate(spec.commandLine());
        Path dataDir = Files.createTempDirectory("hapager-failover");
        Path token = dataDir.resolve("bench.token");
        String[] serverArgs = {"--fence-timeout-ms", Long.toString(fenceTimeoutMillis)};
        List<String> json = new ArrayList<>();
        try {
            PageServerProcess[] servers = {PageServerProcess.start(dataDir, token, serverArgs), PageServerProcess.start(dataDir, token, serverArgs)};
            try {
                Volume volume = Volume.of("bench/failover.dat");
                // single, HA, HA, single (ABBA) after a warm-up, so neither gets the colder JVM or the quieter disk
                double single = 0;
                double ha = 0;
                try (PagerClient one = client(token, servers[0]); PagerClient two = client(token, servers[0], servers[1])) {
                    prepare(one, volume);
                    new Load(one, volume, queueDepth).runFor(Duration.ofSeconds(3));
                    single += throughput(one, volume) / 2;
                    ha += throughput(two, volume) / 2;
                    ha += throughput(two, volume) / 2;
                    single += throughput(one, volume) / 2;
                }
                System.out.printf(Locale.ROOT, "throughput QD%d 50%% writes: one server %,.0f ops/s, HA pair %,.0f ops/s (%.1f%% overhead)%n",
                        queueDepth, single, ha, 100 * (single - ha) / single);
                json.add(String.format(Locale.ROOT, "\"throughput\": {\"queue_depth\": %d, \"single_ops_per_s\": %.0f, \"ha_ops_per_s\": %.0f, \"overhead_pct\": %.2f}",
                        queueDepth, single, ha, 100 * (single - ha) / single));
                for (String kind : kinds) {
                    json.add(faultCampaign(kind, token, dataDir, servers, volume, serverArgs));
                }
            } finally {
                for (PageServerProcess s : servers) {
                    if (s.isAlive()) {
                        s.sigcont();
                    }
                    s.close();
                }
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dataDir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        Files.createDirectories(results.file().toAbsolutePath().getParent());
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(results.file()))) {
            out.printf(Locale.ROOT, "{%n  \"benchmark\": \"failover\",%n  \"date\": \"%s\",%n  \"settings\": {\"lease_ms\": %d, \"fence_timeout_ms\": %d, \"queue_depth\": %d, \"faults\": %d, \"settle_ms\": %d},%n  %s%n}%n",
                    Instant.now(), lease.millis(), fenceTimeoutMillis, queueDepth, faults, settleMillis, String.join(",\n  ", json));
        }
        System.out.println("results: " + results.file().toAbsolutePath());
        return 0;
    }

    private PagerClient client(Path token, PageServerProcess... servers) throws Exception {
        return PagerClient.connect(PagerConfig.builder()
                .servers(Stream.of(servers).map(PageServerProcess::address).toList())
                .tokenFile(token).lease(Duration.ofMillis(lease.millis())).failoverDeadline(Duration.ofSeconds(60)).build());
    }

    private static void prepare(PagerClient client, Volume volume) {
        client.create(volume.name(), false).join();
        client.setLength(volume.name(), (long) PAGES * volume.pageSize()).join();
    }

    private double throughput(PagerClient client, Volume volume) throws InterruptedException {
        Load load = new Load(client, volume, queueDepth);
        long start = System.nanoTime();
        load.runFor(Duration.ofNanos((long) (throughputSeconds * 1e9)));
        return load.completed.get() / ((System.nanoTime() - start) / 1e9);
    }

    /** Faults the serving server {@code faults} times; returns the JSON member for this kind. */
    private String faultCampaign(String kind, Path token, Path dataDir, PageServerProcess[] servers, Volume volume,
                                 String[] serverArgs) throws Exception {
        List<Double> stalls = new ArrayList<>();
        List<Double> waits = new ArrayList<>();
        List<Double> injections = new ArrayList<>();
        try (PagerClient client = client(token, servers[0], servers[1])) {
            Load load = new Load(client, volume, queueDepth);
            load.start();
            try {
                for (int i = 1; i <= faults; i++) {
                    load.awaitCompletions(500);
                    int victim = servers[0].address().equals(client.currentServer()) ? 0 : 1;
                    long injectNanos = System.nanoTime();
                    load.mark(injectNanos);
                    if (kind.equals("kill9")) {
                        servers[victim].kill9(); // returns once the process is gone
                    } else {
                        servers[victim].sigstop(); // returns once the signal is delivered
                    }
                    long deadNanos = System.nanoTime();
                    load.markService(deadNanos);
                    long firstAfter = load.awaitServiceAfterMark();
                    load.awaitCompletions(500); // past the failover: every request caught in it has completed
                    double stallMs = (firstAfter - deadNanos) / 1e6;
                    double waitMs = load.longestWaitNanos() / 1e6;
                    injections.add((deadNanos - injectNanos) / 1e6);
                    stalls.add(stallMs);
                    waits.add(waitMs);
                    System.out.printf(Locale.ROOT, "%-7s %2d/%d  stall %7.1f ms  longest caller wait %7.1f ms  (signal took %.1f ms)%n",
                            kind, i, faults, stallMs, waitMs, injections.get(injections.size() - 1));
                    if (servers[victim].isAlive()) {
                        servers[victim].awaitExit(Duration.ofSeconds(30)); // a frozen one is fenced by the taker
                    }
                    servers[victim].close();
                    servers[victim] = PageServerProcess.start(dataDir, token, servers[victim].port(), serverArgs);
                    TimeUnit.MILLISECONDS.sleep(settleMillis); // failures are rarer than this in any real deployment
                }
            } finally {
                load.stop();
            }
            if (load.failure.get() != null) {
                throw new IllegalStateException("a caller saw an error during the " + kind + " campaign", load.failure.get());
            }
        }
        String summary = String.format(Locale.ROOT, "%-7s stall p50 %.1f ms p99 %.1f ms max %.1f ms; longest caller wait p50 %.1f ms p99 %.1f ms max %.1f ms;"
                        + " signal p50 %.1f ms", kind, pct(stalls, 50), pct(stalls, 99), pct(stalls, 100), pct(waits, 50), pct(waits, 99),
                pct(waits, 100), pct(injections, 50));
        System.out.println(summary);
        return String.format(Locale.ROOT, "\"%s\": {\"faults\": %d, \"stall_ms\": {\"p50\": %.1f, \"p99\": %.1f, \"max\": %.1f, \"all\": [%s]},"
                        + " \"longest_wait_ms\": {\"p50\": %.1f, \"p99\": %.1f, \"max\": %.1f, \"all\": [%s]},"
                        + " \"signal_ms\": {\"p50\": %.1f, \"max\": %.1f}}",
                kind, stalls.size(), pct(stalls, 50), pct(stalls, 99), pct(stalls, 100), join(stalls),
                pct(waits, 50), pct(waits, 99), pct(waits, 100), join(waits), pct(injections, 50), pct(injections, 100));
    }

    private static String join(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).collect(Collectors.joining(", "));
    }

    private static double pct(List<Double> values, double percentile) {
        List<Double> sorted = values.stream().sorted().toList();
        int index = (int) Math.ceil(percentile / 100 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    /** A closed loop of random 4 KiB reads and writes (half each), with the longest wait since a mark. */
    private static final class Load {
        final PagerClient client;
        final Volume volume;
        final int queueDepth;
        final AtomicLong completed = new AtomicLong();
        final AtomicLong firstIssuedAfterMarkCompleted = new AtomicLong();
        final AtomicLong longestWait = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile long markNanos = Long.MAX_VALUE;
        volatile long serviceMarkNanos = Long.MAX_VALUE;
        volatile boolean stopped;
        final AtomicLong outstanding = new AtomicLong();

        Load(PagerClient client, Volume volume, int queueDepth) {
            this.client = client;
            this.volume = volume;
            this.queueDepth = queueDepth;
        }

        void start() {
            for (int i = 0; i < queueDepth; i++) {
                issue(ByteBuffer.allocateDirect(volume.pageSize()));
            }
        }

        void runFor(Duration duration) throws InterruptedException {
            start();
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < end && failure.get() == null) {
                TimeUnit.MILLISECONDS.sleep(Math.max(1, Math.min(50, (end - System.nanoTime()) / 1_000_000)));
            }
            stop();
        }

        void stop() throws InterruptedException {
            stopped = true;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (outstanding.get() > 0 && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(5);
            }
        }

        private void issue(ByteBuffer slot) {
            if (stopped) {
                return;
            }
            outstanding.incrementAndGet();
            long page = ThreadLocalRandom.current().nextLong(PAGES);
            long issued = System.nanoTime();
            CompletableFuture<Long> f = ThreadLocalRandom.current().nextBoolean()
                    ? client.write(volume, page, slot) : client.read(volume, page, slot);
            f.whenComplete((v, e) -> {
                long now = System.nanoTime();
                outstanding.decrementAndGet();
                if (e != null) {
                    failure.compareAndSet(null, e);
                    return;
                }
                if (now > markNanos) {
                    longestWait.accumulateAndGet(now - issued, Math::max);
                }
                if (issued > serviceMarkNanos) {
                    firstIssuedAfterMarkCompleted.compareAndSet(0, now); // completions arrive in time order
                }
                completed.incrementAndGet();
                issue(slot);
            });
        }

        /** From {@code mark} on (just before the fault), tracks the longest caller wait. */
        void mark(long mark) {
            longestWait.set(0);
            markNanos = mark;
        }

        /** From {@code mark} on (the server is gone), watches for the first completion of a request issued after it. */
        void markService(long mark) {
            firstIssuedAfterMarkCompleted.set(0);
            serviceMarkNanos = mark;
        }

        long longestWaitNanos() {
            return longestWait.get();
        }

        void awaitCompletions(long count) throws InterruptedException {
            long target = completed.get() + count;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (completed.get() < target) {
                if (failure.get() != null) {
                    throw new IllegalStateException("a request failed", failure.get());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no progress for 60 s");
                }
                TimeUnit.MILLISECONDS.sleep(1);
            }
        }

        /**
         * Waits for the first completion of a request issued after the mark (the fault): requests in flight
         * at the fault may still complete from the wire, so they do not count as service resumed.
         */
        long awaitServiceAfterMark() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                long first = firstIssuedAfterMarkCompleted.get();
                if (first != 0) {
                    return first;
                }
                if (failure.get() != null) {
                    throw new IllegalStateException("a request failed", failure.get());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no completion within 60 s of the fault");
                }
                TimeUnit.MILLISECONDS.sleep(1);
            }
        }
    }
}
