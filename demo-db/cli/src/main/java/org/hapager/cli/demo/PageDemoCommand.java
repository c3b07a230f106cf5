package org.hapager.cli.demo;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
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
 * {@code hapager page-demo}: the page-level demo (the main job before the Derby TPC-C demo). Two page servers share one
 * data directory; several threads pipeline random page reads and writes through one client, each checking
 * every read against its own model of its pages; the serving server is killed (SIGKILL) and later frozen
 * (SIGSTOP) on schedule; a progress line every second; at the end every page is read back and compared.
 * Exit code 0 only if no request failed and every page matched.
 */
@Command(name = "page-demo", mixinStandardHelpOptions = true,
        description = "The page-level demo: two page servers, a model-checked page workload, the serving server killed and frozen under it,"
                + " a progress line every second, and a check of every page at the end. Exit code 0 only if no request"
                + " failed and every page holds its latest acknowledged write.")
public final class PageDemoCommand implements Callable<Integer> {

    @Option(names = "--duration", defaultValue = "20", description = "seconds of workload (default: ${DEFAULT-VALUE})")
    double durationSeconds;

    @Option(names = "--threads", defaultValue = "4", description = "workload threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--fault", defaultValue = "kill9@5s,sigstop@12s+3s",
            description = "faults of the serving server: kill9@Ts, sigstop@Ts[+Rs] (default: ${DEFAULT-VALUE})")
    String fault;

    @Option(names = "--no-faults", description = "run without faults")
    boolean noFaults;

    /** A temporary directory unless --data: removed at the end, whatever happened. */
    @Mixin
    SharedOptions.Data data;

    /** 500 ms: see {@link SharedOptions}. */
    @Mixin
    SharedOptions.Lease lease = new SharedOptions.Lease(500);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        FaultPlan plan;
        try {
            plan = noFaults ? FaultPlan.parse("") : FaultPlan.parse(fault);
            if (plan.faults().stream().anyMatch(f -> f.kind() == FaultPlan.Kind.PARTITION)) {
                throw new IllegalArgumentException("a partition needs servers on hosts of their own: hapager demo --hosts");
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--fault: " + e.getMessage());
        }
        if (threads < 1 || durationSeconds <= 0) {
            throw new ParameterException(spec.commandLine(), "--threads and --duration must be positive");
        }
        lease.validate(spec.commandLine());
        Path given = data.directory();
        boolean temporary = given == null;
        Path dir = temporary ? Files.createTempDirectory("hapager-page-demo") : Files.createDirectories(given);
        Path token = dir.resolve("demo.token");
        Path store = dir.resolve("store");
        String[] serverArgs = {"--fence-timeout-ms", "150"};
        AtomicReferenceArray<PageServerProcess> servers = new AtomicReferenceArray<>(2); // main loop and followUps
        Thread cleanup = new Thread(() -> stopAll(servers), "page-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C: no page server outlives the demo
        try {
            System.out.println("starting two page servers over " + store + " …");
            servers.set(0, PageServerProcess.start(store, token, serverArgs));
            servers.set(1, PageServerProcess.start(store, token, serverArgs));
            System.out.printf(Locale.ROOT, "primary %s (pid %d), secondary %s (pid %d); faults: %s%n",
                    servers.get(0).address(), servers.get(0).pid(), servers.get(1).address(), servers.get(1).pid(),
                    plan.faults().isEmpty() ? "none" : plan.faults());
            MeterRegistry registry = new SimpleMeterRegistry();
            try (PagerClient client = PagerClient.connect(PagerConfig.builder()
                    .servers(servers.get(0).address(), servers.get(1).address()).tokenFile(token)
                    .lease(Duration.ofMillis(lease.millis())).failoverDeadline(Duration.ofSeconds(30))
                    .meterRegistry(registry).build())) {
                return run(client, registry, servers, store, token, serverArgs, plan);
            }
        } finally {
            stopAll(servers);
            Runtime.getRuntime().removeShutdownHook(cleanup);
            if (temporary) {
                try (Stream<Path> paths = Files.walk(dir)) {
                    for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    private int run(PagerClient client, MeterRegistry registry, AtomicReferenceArray<PageServerProcess> servers, Path store, Path token,
                    String[] serverArgs, FaultPlan plan) throws Exception {
        Volume volume = Volume.of("demo/pages.dat");
        client.create(volume.name(), false).join();
        AtomicBoolean stop = new AtomicBoolean();
        List<PageWorker> workers = new ArrayList<>();
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            PageWorker w = new PageWorker(client, volume, t * PageWorker.PAGES, t, stop);
            workers.add(w);
            Thread thread = new Thread(w, "demo-worker-" + t);
            running.add(thread);
            thread.start();
        }
        long start = System.nanoTime();
        long end = start + (long) (durationSeconds * 1e9);
        int nextFault = 0;
        // resumes and restarts after a fault run here, so faults and progress lines keep their beat meanwhile
        ScheduledExecutorService followUps = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "demo-faults"));
        try {
            long lastOps = 0;
            long lastTick = start;
            while (System.nanoTime() < end) {
                long now = System.nanoTime();
                long elapsedMillis = (now - start) / 1_000_000;
                if (nextFault < plan.faults().size() && plan.faults().get(nextFault).atMillis() <= elapsedMillis) {
                    inject(plan.faults().get(nextFault++), client, servers, store, token, serverArgs, followUps);
                }
                if (now - lastTick >= TimeUnit.SECONDS.toNanos(1)) {
                    lastOps = progress(workers, registry, client, (now - start) / 1e9, (now - lastTick) / 1e9, lastOps);
                    lastTick = now;
                }
                TimeUnit.MILLISECONDS.sleep(10);
            }
            stop.set(true);
            for (Thread t : running) {
                t.join(TimeUnit.SECONDS.toMillis(60));
            }
        } finally {
            followUps.shutdown();
            followUps.awaitTermination(60, TimeUnit.SECONDS);
        }
        return summary(workers, registry, client, volume, (System.nanoTime() - start) / 1e9);
    }

    /** On the main loop: signals the serving server now; the resume and the restart follow on {@code followUps}. */
    private static void inject(FaultPlan.Fault f, PagerClient client, AtomicReferenceArray<PageServerProcess> servers,
                               Path store, Path token, String[] serverArgs, ScheduledExecutorService followUps) {
        int victim = servers.get(0).address().equals(client.currentServer()) ? 0 : 1;
        PageServerProcess p = servers.get(victim);
        if (f.kind() == FaultPlan.Kind.KILL9) {
            System.out.printf(Locale.ROOT, ">>> kill -9 of the serving page server %s (pid %d)%n", p.address(), p.pid());
            p.kill9();
        } else {
            System.out.printf(Locale.ROOT, ">>> SIGSTOP of the serving page server %s (pid %d)%n", p.address(), p.pid());
            p.sigstop();
            followUps.schedule(() -> {
                if (p.isAlive()) {
                    p.sigcont();
                    System.out.printf(Locale.ROOT, ">>> SIGCONT of %s: still alive, it had not been fenced%n", p.address());
                } else {
                    System.out.printf(Locale.ROOT, ">>> %s was fenced (killed) by the server that took over%n", p.address());
                }
            }, f.resumeAfterMillis(), TimeUnit.MILLISECONDS);
        }
        followUps.schedule(() -> {
            if (!p.isAlive()) {
                PageServerProcess again = PageServerProcess.start(store, token, p.port(), serverArgs);
                servers.set(victim, again);
                System.out.printf(Locale.ROOT, ">>> restarted %s (pid %d) as the secondary%n", again.address(), again.pid());
            }
        }, Math.max(2000, f.resumeAfterMillis() + 500), TimeUnit.MILLISECONDS);
    }

    private static long progress(List<PageWorker> workers, MeterRegistry registry, PagerClient client, double elapsed,
                                 double intervalSeconds, long lastOps) {
        Histogram interval = new Histogram(3);
        long ops = 0;
        long errors = 0;
        for (PageWorker w : workers) {
            interval.add(w.takeInterval());
            ops += w.completed();
            errors += w.errors();
        }
        System.out.printf(Locale.ROOT, "progress: %5.1f s, %7.0f ops/s, lat avg %6.2f ms, p99 %7.2f ms, errors %d, failovers %.0f, reissues %.0f, server %s%n",
                elapsed, (ops - lastOps) / intervalSeconds, interval.getMean() / 1e6, interval.getValueAtPercentile(99) / 1e6, errors,
                count(registry, "hapager.pager.failovers"), count(registry, "hapager.pager.reissues"),
                client.currentServer() == null ? "none" : client.currentServer());
        return ops;
    }

    private static int summary(List<PageWorker> workers, MeterRegistry registry, PagerClient client, Volume volume, double seconds) {
        long ops = workers.stream().mapToLong(PageWorker::completed).sum();
        long errors = workers.stream().mapToLong(PageWorker::errors).sum();
        long pages = 0;
        long mismatched = 0;
        for (PageWorker w : workers) {
            long[] result = w.verifyAll();
            pages += result[0];
            mismatched += result[1];
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%d operations in %.1f s (%.0f ops/s); failovers %.0f, reissued requests %.0f%n",
                ops, seconds, ops / seconds, count(registry, "hapager.pager.failovers"), count(registry, "hapager.pager.reissues"));
        System.out.printf(Locale.ROOT, "caller-visible errors: %d%n", errors);
        System.out.printf(Locale.ROOT, "pages checked against the model: %d, mismatched: %d%n", pages, mismatched);
        workers.stream().map(PageWorker::firstError).filter(e -> e != null).findFirst()
                .ifPresent(e -> System.out.println("first error: " + e));
        boolean ok = errors == 0 && mismatched == 0;
        System.out.println(ok ? "OK: no request failed, every page holds its latest acknowledged write"
                : "FAILED: see above");
        return ok ? 0 : 1;
    }

    private static double count(MeterRegistry registry, String name) {
        return registry.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static void stopAll(AtomicReferenceArray<PageServerProcess> servers) {
        for (int i = 0; i < servers.length(); i++) {
            PageServerProcess p = servers.get(i);
            if (p != null && p.isAlive()) {
                try {
                    p.sigcont();
                } catch (RuntimeException ignored) {
                    // exiting anyway
                }
                p.close();
            }
        }
    }
}
