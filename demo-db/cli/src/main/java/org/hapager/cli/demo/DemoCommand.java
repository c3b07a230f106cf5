package org.hapager.cli.demo;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hapager.cli.DurationConverter;
import org.hapager.cli.SharedOptions;
import org.hapager.cli.database.DataDirectory;
import org.hapager.cli.database.DerbySetup;
import org.hapager.cli.metrics.CliMetrics;
import org.hapager.cli.report.HtmlReport;
import org.hapager.cli.servers.LocalPageServers;
import org.hapager.cli.workload.LoadBar;
import org.hapager.cli.workload.RunOutputs;
import org.hapager.cli.workload.StorageWatch;
import org.hapager.server.process.NetnsBed;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.result.CheckResult;
import org.hapager.workload.result.WorkloadResult;
import org.hapager.workload.tpcc.TpccScale;
import org.hapager.workload.tpcc.driver.RunOptions;
import org.hapager.workload.tpcc.driver.TpccPool;
import org.hapager.workload.tpcc.driver.TpccResult;
import org.hapager.workload.tpcc.driver.TpccRun;
import org.hapager.workload.tpcc.loader.LoadOptions;
import org.hapager.workload.tpcc.loader.LoadResult;
import org.hapager.workload.tpcc.loader.TpccLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code hapager demo}: TPC-C on Apache Derby on hapager, with failover live. Two page servers (child
 * processes) share a data directory; Derby's database {@code jdbc:derby:hapager:demo/tpcc} lives on them
 * through the hapager storage engine; TPC-C is loaded and its mix runs on several terminals while the
 * serving page server is killed with SIGKILL and later the next one frozen with SIGSTOP (and fenced by the
 * server taking over), each restarted as the secondary. A progress line every second, {@code >>>} lines
 * for the faults, then TPC-C's consistency conditions 1-4 and a summary. Exit code 0 only if no transaction
 * failed, every condition held and every fault went as planned.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "TPC-C on Apache Derby on hapager, with failover live: two page servers (child processes) over one data"
                    + " directory, Derby's database on them, TPC-C loaded and run on several terminals while the serving"
                    + " page server is killed (kill -9) and later the next one frozen (SIGSTOP, then fenced by the server"
                    + " taking over), each restarted as the secondary. A progress line every second, TPC-C's consistency"
                    + " conditions 1-4 at the end, and a summary. The run's HTML report goes to " + DemoCommand.REPORT
                    + " in the current directory unless --report names another file.",
            "Exit code 0 only if no transaction failed, every condition held and every fault went as planned."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no transaction failed and conditions 1-4 held", "1:a transaction failed, a check failed,"
                + " or a fault did not go as planned", "2:bad usage"})
public final class DemoCommand implements Callable<Integer> {

    /**
     * The reduced scale used unless {@code --spec-scale}: items and customers divided by this (33,333 items,
     * 1,000 customers per district, about 200,000 rows). Measured on 2 cores: the specification's 600,000 rows
     * load in 62-77 s when the machine is otherwise quiet, 142 s while other builds share it, which with the
     * rest of the demo (about 80 s) can pass three minutes; a third loads in about 31 s (47 s estimated under
     * the same contention).
     */
    static final int REDUCED_FACTOR = 3;

    /** The hapager cluster of the demo's database, and the database. */
    static final String CLUSTER = "demo";
    static final String URL = "jdbc:derby:hapager:" + CLUSTER + "/tpcc";

    /** Where the HTML report goes unless {@code --report} says otherwise. */
    static final String REPORT = "hapager-demo-report.html";

    @Spec
    CommandSpec spec;

    @Option(names = "--duration", defaultValue = "60s", converter = DurationConverter.class, paramLabel = "TIME",
            description = "how long the TPC-C mix runs: 60, 60s, 1.5m (default: ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--terminals", defaultValue = "4", paramLabel = "N",
            description = "TPC-C terminals, each a thread with its own connection, 1-64 (default: ${DEFAULT-VALUE})")
    int terminals;

    @Option(names = "--warehouses", defaultValue = "1", paramLabel = "W",
            description = "TPC-C warehouses, 1-10 (default: ${DEFAULT-VALUE})")
    int warehouses;

    @Option(names = "--spec-scale", description = "load the TPC-C specification's cardinalities (100,000 items,"
            + " 3,000 customers per district, 600,000 rows); by default items and customers are divided by "
            + REDUCED_FACTOR + " (about 200,000 rows) so that the whole demo takes less than three minutes on 2 cores")
    boolean specScale;

    @Option(names = "--fault", paramLabel = "PLAN",
            description = "faults of the serving page server: kill9@Ts, sigstop@Ts[+Rs] and (with --hosts)"
                    + " partition@Ts, comma-separated (default: kill9, or with --hosts partition, at a third of the run;"
                    + " sigstop for 3 s at two thirds)")
    String fault;

    @Option(names = "--hosts", description = "the client (Derby) and each page server on a host of its own: Linux network"
            + " namespaces on this machine, joined by a bridge; the faults cut the serving server off silently (packets"
            + " dropped, no reset) instead of killing it, and the server taking over fences it with a namespace-aware"
            + " fence agent. Needs root, iproute2 (ip) and nftables (nft)")
    boolean hosts;

    /** Hidden: set by {@code --hosts} for the demo it runs on the client's host; the bed's {@link NetnsBed#describe}. */
    @Option(names = "--in-bed", hidden = true, paramLabel = "DESCRIPTION")
    String inBed;

    @Option(names = "--no-faults", description = "run without faults")
    boolean noFaults;

    /** --data, --json, --report (default {@value #REPORT}), --metrics-port, --seed and --lease-ms. */
    @Mixin
    SharedOptions.WorkloadRun shared = new SharedOptions.WorkloadRun(REPORT);

    @Option(names = "--server-logs", description = "print the page servers' logs at the end (to stderr)")
    boolean serverLogs;

    /** Hidden, for tests: divide items and customers by this instead (1 = the specification). */
    @Option(names = "--reduce", hidden = true, paramLabel = "FACTOR")
    Integer reduceFactor;

    private PrintWriter out;
    private volatile DataDirectory dir;
    private volatile LocalPageServers servers;
    private volatile CliMetrics metrics;
    private volatile TpccRun run;
    private volatile FaultInjector injector;
    private volatile boolean derbyBooted;
    private volatile boolean finished;
    private final AtomicBoolean cleaned = new AtomicBoolean();
    /** Set by the shutdown hook (Ctrl-C): the run stops, nothing more is reported. */
    private volatile boolean interrupted;
    /** Counted down when the command's own clean-up is done. */
    private final CountDownLatch done = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        FaultPlan plan = validate();
        if (hosts && inBed == null) {
            return DemoOnHosts.run(spec.commandLine(), duration);
        }
        TpccScale scale = scale();
        long runSeed = shared.seedOrFromClock();
        out = spec.commandLine().getOut();
        metrics = RunOutputs.openMetrics(spec.commandLine(), shared.metricsPort()); // before anything starts
        dir = DataDirectory.open(shared.data(), "hapager-demo");
        DerbySetup.configure(dir.path());
        Thread hook = new Thread(this::interrupted, "demo-cleanup");
        Runtime.getRuntime().addShutdownHook(hook); // Ctrl-C: Derby shut down, no page server outlives the demo
        boolean passed = false;
        try {
            passed = demo(plan, scale, runSeed);
            return passed ? 0 : 1;
        } catch (Exception e) {
            if (interrupted) {
                return 130; // what a shell reports for Ctrl-C; the JVM is exiting anyway
            }
            out.println("FAILED: the demo could not go on: " + e);
            e.printStackTrace(spec.commandLine().getErr());
            return 1;
        } finally {
            finished = true;
            cleanUp(!passed && !interrupted);
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs (and finds everything cleaned up)
            }
        }
    }

    private FaultPlan validate() {
        CommandLine cl = spec.commandLine();
        if (duration.isZero() || duration.isNegative()) {
            throw new ParameterException(cl, "--duration must be positive, not " + duration.toMillis() / 1000.0 + " s");
        }
        if (terminals < 1 || terminals > 64) {
            throw new ParameterException(cl, "--terminals must be 1 to 64, not " + terminals);
        }
        if (warehouses < 1 || warehouses > 10) {
            throw new ParameterException(cl, "--warehouses must be 1 to 10, not " + warehouses);
        }
        shared.validate(cl);
        if (reduceFactor != null && (reduceFactor < 1 || specScale)) {
            throw new ParameterException(cl, "--reduce must be at least 1, and not with --spec-scale");
        }
        if (hosts && shared.metricsPort() != null) {
            throw new ParameterException(cl, "--metrics-port and --hosts exclude each other: the meters would be served"
                    + " inside the client host's network namespace, out of reach");
        }
        if (noFaults && fault != null) {
            throw new ParameterException(cl, "--fault and --no-faults exclude each other");
        }
        if (noFaults) {
            return FaultPlan.parse("");
        }
        try {
            FaultPlan plan = fault != null ? FaultPlan.parse(fault)
                    : hosts ? FaultPlan.thirdsOnHosts(duration.toMillis()) : FaultPlan.thirds(duration.toMillis());
            if (!hosts && plan.faults().stream().anyMatch(f -> f.kind() == FaultPlan.Kind.PARTITION)) {
                throw new IllegalArgumentException("a partition needs the servers on hosts of their own (--hosts)");
            }
            return plan.requireWithin(duration.toMillis());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, "--fault: " + e.getMessage());
        }
    }

    private TpccScale scale() {
        if (specScale) {
            return TpccScale.spec(warehouses);
        }
        int factor = reduceFactor != null ? reduceFactor : REDUCED_FACTOR;
        return factor == 1 ? TpccScale.spec(warehouses) : TpccScale.reduced(warehouses, factor);
    }

    private boolean demo(FaultPlan plan, TpccScale scale, long runSeed) throws Exception {
        out.println("hapager demo: TPC-C on Apache Derby on hapager" + (plan.faults().isEmpty() ? " (no faults)"
                : hosts ? ", with the serving page server cut off silently and later frozen under it (client and servers"
                        + " on hosts of their own)" : ", with the serving page server killed and frozen under it"));
        Path store = dir.resolve("store");
        out.println("data: " + dir.describe());
        out.println("starting two page servers …");
        long t0 = System.nanoTime();
        servers = LocalPageServers.start(store, dir.resolve("demo.token"), shared.metricsPort() != null,
                inBed == null ? null : NetnsBed.attach(inBed));
        out.printf(Locale.ROOT, "page servers: primary %s (pid %d), secondary %s (pid %d), sharing %s; up in %.1f s%n",
                servers.key(0), servers.get(0).pid(), servers.key(1), servers.get(1).pid(), store, secondsSince(t0));
        servers.metricsLine().ifPresent(out::println);

        metrics.url().ifPresent(u -> out.println("metrics: " + u + " (Prometheus text format)"));
        MeterRegistry registry = metrics.registry();
        DerbySetup.register(CLUSTER, servers.address(0), servers.address(1), dir.resolve("demo.token"),
                shared.leaseMillis(), registry);
        StorageWatch watch = new StorageWatch(registry);
        DemoReport report = new DemoReport(out, watch);

        t0 = System.nanoTime();
        HikariConfig hc = TpccPool.config(URL + ";create=true", terminals);
        try (HikariDataSource ds = new HikariDataSource(metrics.track(hc))) {
            derbyBooted = true;
            out.printf(Locale.ROOT, "Derby: %s booted in %.1f s (buffer pool %d MiB, lease %d ms, deadlock timeout %s s);"
                    + " the client serves from %s%n", URL, secondsSince(t0), DerbySetup.POOL_BYTES >> 20,
                    shared.leaseMillis(), System.getProperty("derby.locks.deadlockTimeout"), servers.servingName(registry));
            out.println(DemoReport.scaleLine(scale));

            LoadBar bar = new LoadBar(out, System.console() != null, () -> interrupted);
            LoadResult load;
            try {
                load = TpccLoader.createAndLoad(ds, scale, LoadOptions.defaults().withSeed(runSeed)
                        .withThreads(Math.min(2, scale.warehouses())), bar);
            } finally {
                bar.finish();
            }
            if (interrupted) {
                return false;
            }
            double loadSeconds = load.elapsed().toMillis() / 1000.0;
            t0 = System.nanoTime();
            DerbySetup.checkpoint(ds);
            out.printf(Locale.ROOT, "loaded %,d rows in %.1f s (%,.0f rows/s); checkpoint %.1f s%n", load.totalRows(),
                    loadSeconds, load.totalRows() / Math.max(0.001, loadSeconds), secondsSince(t0));

            out.printf(Locale.ROOT, "run: %d terminal(s), no think times, for %s, seed %d, faults: %s%n", terminals,
                    FaultPlan.seconds(duration.toMillis()), runSeed, plan);
            TpccResult result = runMix(ds, scale, runSeed, plan, registry, report);
            if (interrupted) {
                return false;
            }
            List<String> problems = injector.problemsAtEnd();
            List<CheckResult> checks = report.checks(ds);
            boolean passed = report.summary(result.run(), injector, checks, problems);
            Map<String, String> config = new LinkedHashMap<>();
            config.put("database", URL + " on two page servers over " + store);
            config.put("scale", DemoReport.scaleLine(scale).substring("scale: ".length()));
            config.put("terminals", Integer.toString(terminals));
            config.put("duration", FaultPlan.seconds(duration.toMillis()));
            config.put("faults", plan.toString());
            config.put("seed", Long.toString(runSeed));
            config.put("lease", shared.leaseMillis() + " ms");
            config.put("buffer_pool", (DerbySetup.POOL_BYTES >> 20) + " MiB of 4 KiB pages");
            config.put("isolation", "READ COMMITTED");
            WorkloadResult whole = new WorkloadResult(result.run(), config, watch.figures(), injector.events(), checks);
            writeResults(whole);
            out.println(headline(result.run(), plan, watch, checks, passed));
            out.flush();
            return passed;
        }
    }

    /** The JSON result and the report, where the options say. */
    private void writeResults(WorkloadResult whole) throws IOException {
        if (shared.json() != null) {
            RunOutputs.writeJson(whole, shared.json(), out);
        }
        HtmlReport.write(whole, "hapager demo", shared.report());
    }

    /** The one line that says it all, e.g. {@code TPC-C 1 warehouse, 4 terminals, 60 s: ... report: FILE}. */
    private String headline(DriverResult r, FaultPlan plan, StorageWatch watch, List<CheckResult> checks,
            boolean passed) {
        long held = checks.stream().filter(CheckResult::passed).count();
        return String.format(Locale.ROOT, "%s: TPC-C %d warehouse%s, %d terminals, %s: %.0f tpmC, %s, %d failed"
                + " transaction(s), %d failover(s), stall max %.0f ms, consistency %d/%d %s, report: %s",
                passed ? "PASSED" : "FAILED", warehouses, warehouses == 1 ? "" : "s", terminals,
                FaultPlan.seconds(duration.toMillis()), r.perMinute(), plan.faults().isEmpty() ? "no faults"
                        : plan.faults().size() + " fault(s) (" + plan.describe() + ")",
                r.totalFailures(), watch.failovers(), watch.longestStallSeconds() * 1000, held, checks.size(),
                held == checks.size() ? "OK" : "NOT OK", shared.report().toAbsolutePath());
    }

    private TpccResult runMix(HikariDataSource ds, TpccScale scale, long runSeed, FaultPlan plan,
            MeterRegistry registry, DemoReport report) throws InterruptedException {
        RunOptions options = RunOptions.builder(scale)
                .terminals(terminals)
                .duration(duration)
                .seed(runSeed)
                .checkConsistency(false) // run below, one condition at a time
                .failuresKept(100)
                .meterRegistry(registry)
                .onSnapshot(report::progress)
                .build();
        run = new TpccRun(ds, options);
        if (interrupted) {
            run.stop(); // the hook came before the run existed
        }
        long start = System.nanoTime();
        injector = new FaultInjector(plan, servers, registry, out, start);
        Thread faults = new Thread(injector, "demo-faults");
        faults.setDaemon(true);
        faults.start();
        try {
            return run.run();
        } finally {
            injector.stop();
            faults.join(TimeUnit.SECONDS.toMillis(60)); // a restart in progress finishes
        }
    }

    /**
     * Every exit path, once: Derby shut down, the page servers stopped, a temporary directory removed unless
     * {@code keep} (the demo failed: its logs and store are evidence).
     */
    private void cleanUp(boolean keep) {
        if (!cleaned.compareAndSet(false, true)) {
            return;
        }
        if (run != null) {
            run.stop();
        }
        if (injector != null) {
            injector.stop();
        }
        if (derbyBooted) {
            DerbySetup.shutdown(URL);
        }
        DerbySetup.close(CLUSTER);
        if (metrics != null) {
            metrics.close();
        }
        if (servers != null) {
            servers.stopAll();
            if (serverLogs) {
                System.err.print(servers.logs());
            }
        }
        if (dir != null) {
            dir.finish(keep, "derby.log, the page servers' store", out != null ? out : new PrintWriter(System.err, true));
        }
    }

    /**
     * The shutdown hook: Ctrl-C (or SIGTERM) while the demo runs. Stops the run and lets the command clean up
     * after its terminals have finished their transactions (Derby shut down, servers stopped, a temporary
     * directory removed); if that takes more than 15 s (a load cannot be stopped half-way), cleans up itself.
     */
    private void interrupted() {
        if (finished) {
            return;
        }
        interrupted = true;
        System.err.println("hapager demo: interrupted; shutting Derby down and stopping the page servers");
        TpccRun r = run;
        if (r != null) {
            r.stop();
        }
        FaultInjector f = injector;
        if (f != null) {
            f.stop();
        }
        try {
            if (!done.await(15, TimeUnit.SECONDS)) {
                Thread cleaner = new Thread(() -> cleanUp(false), "demo-interrupted");
                cleaner.start();
                cleaner.join(TimeUnit.SECONDS.toMillis(15));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LocalPageServers s = servers;
        if (s != null) {
            s.stopAll(); // whatever happened above: no page server outlives the demo
        }
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }
}
