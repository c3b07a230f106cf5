package org.hapager.cli.demo;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.hapager.derby.ClusterSettings;
import org.hapager.derby.HapagerDerby;
import org.hapager.pager.PagerConfig;
import org.hapager.workload.tpcc.TpccScale;
import org.hapager.workload.tpcc.checks.ConsistencyChecks;
import org.hapager.workload.tpcc.checks.Violation;
import org.hapager.workload.tpcc.driver.FailureInfo;
import org.hapager.workload.tpcc.driver.RunOptions;
import org.hapager.workload.tpcc.driver.Snapshot;
import org.hapager.workload.tpcc.driver.TpccPool;
import org.hapager.workload.tpcc.driver.TpccResult;
import org.hapager.workload.tpcc.driver.TpccRun;
import org.hapager.workload.tpcc.driver.TypeResult;
import org.hapager.workload.tpcc.loader.LoadOptions;
import org.hapager.workload.tpcc.loader.LoadResult;
import org.hapager.workload.tpcc.loader.TpccLoader;
import org.hapager.workload.tpcc.transactions.TransactionType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
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
                    + " conditions 1-4 at the end, and a summary.",
            "Exit code 0 only if no transaction failed, every condition held and every fault went as planned."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no transaction failed and conditions 1-4 held", "1:a transaction failed, a check failed,"
                + " or a fault did not go as planned", "2:bad usage"})
public final class DemoCommand implements Callable<Integer> {

    static final String CLUSTER = "demo";
    static final String DATABASE = "tpcc";
    static final String URL = "jdbc:derby:hapager:" + CLUSTER + "/" + DATABASE;
    /**
     * The reduced scale used unless {@code --spec-scale}: items and customers divided by this (33,333 items,
     * 1,000 customers per district, about 200,000 rows). Measured on 2 cores: the specification's 600,000 rows
     * load in 62-77 s when the machine is otherwise quiet, 142 s while other builds share it, which with the
     * rest of the demo (about 80 s) can pass three minutes; a third loads in about 31 s (47 s estimated under
     * the same contention).
     */
    static final int REDUCED_FACTOR = 3;
    private static final long POOL_BYTES = 128L << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--duration", defaultValue = "60s", converter = SecondsConverter.class, paramLabel = "TIME",
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
            description = "faults of the serving page server: kill9@Ts and sigstop@Ts[+Rs], comma-separated"
                    + " (default: kill9 at a third of the run, sigstop for 3 s at two thirds)")
    String fault;

    @Option(names = "--no-faults", description = "run without faults")
    boolean noFaults;

    @Option(names = "--data", paramLabel = "DIR",
            description = "data directory, kept afterwards (default: a temporary one, removed unless the demo fails)")
    Path data;

    @Option(names = "--seed", paramLabel = "N", description = "seed of the load and the run's inputs (default: from the clock)")
    Long seed;

    @Option(names = "--lease-ms", defaultValue = "1000", paramLabel = "MS",
            description = "the client's lease on its page server: how soon a frozen one is given up (default: ${DEFAULT-VALUE})")
    long leaseMillis;

    @Option(names = "--server-logs", description = "print the page servers' logs at the end (to stderr)")
    boolean serverLogs;

    /** Hidden, for tests: divide items and customers by this instead (1 = the specification). */
    @Option(names = "--reduce", hidden = true, paramLabel = "FACTOR")
    Integer reduceFactor;

    private PrintWriter out;
    private volatile Path dir;
    private volatile boolean temporary;
    private volatile DemoServers servers;
    private volatile TpccRun run;
    private volatile FaultInjector injector;
    private volatile boolean derbyBooted;
    private volatile boolean finished;
    private final AtomicBoolean cleaned = new AtomicBoolean();
    /** Set by the shutdown hook (Ctrl-C): the run stops, nothing more is reported. */
    private volatile boolean interrupted;
    /** See {@link #longestStall}; the run's reporting thread only. */
    private double longestStallSeconds;
    /** Counted down when the command's own clean-up is done. */
    private final CountDownLatch done = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        FaultPlan plan = validate();
        TpccScale scale = scale();
        long runSeed = seed != null ? seed : System.nanoTime();
        out = spec.commandLine().getOut();
        temporary = data == null;
        dir = temporary ? Files.createTempDirectory("hapager-demo") : Files.createDirectories(data).toAbsolutePath();
        configureDerby(dir);
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
        if (leaseMillis < 100 || leaseMillis > 10_000) {
            throw new ParameterException(cl, "--lease-ms must be 100 to 10000, not " + leaseMillis);
        }
        if (reduceFactor != null && (reduceFactor < 1 || specScale)) {
            throw new ParameterException(cl, "--reduce must be at least 1, and not with --spec-scale");
        }
        if (noFaults && fault != null) {
            throw new ParameterException(cl, "--fault and --no-faults exclude each other");
        }
        if (noFaults) {
            return FaultPlan.parse("");
        }
        try {
            return (fault == null ? FaultPlan.thirds(duration.toMillis()) : FaultPlan.parse(fault))
                    .requireWithin(duration.toMillis());
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

    /** Derby's settings for the demo, unless given with -D: its log in the data directory, quick deadlock detection. */
    private static void configureDerby(Path dir) {
        setDefault("derby.stream.error.file", dir.resolve("derby.log").toString());
        setDefault("derby.locks.deadlockTimeout", "1");    // seconds; Derby's default is 20
        setDefault("derby.locks.waitTimeout", "20");       // seconds; a lock wait longer than this is retried
        setDefault("derby.storage.pageCacheSize", "4000"); // Derby's own page cache: 16 MB of 4 KiB pages
        HapagerDerby.install();
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private boolean demo(FaultPlan plan, TpccScale scale, long runSeed) throws Exception {
        out.println("hapager demo: TPC-C on Apache Derby on hapager" + (plan.faults().isEmpty() ? " (no faults)"
                : ", with the serving page server killed and frozen under it"));
        Path store = dir.resolve("store");
        out.printf(Locale.ROOT, "data: %s (%s)%n", dir, temporary ? "temporary, removed at the end" : "kept");
        out.println("starting two page servers …");
        long t0 = System.nanoTime();
        servers = DemoServers.start(store, dir.resolve("demo.token"));
        out.printf(Locale.ROOT, "page servers: primary %s (pid %d), secondary %s (pid %d), sharing %s; up in %.1f s%n",
                servers.key(0), servers.get(0).pid(), servers.key(1), servers.get(1).pid(), store, secondsSince(t0));

        MeterRegistry registry = new SimpleMeterRegistry();
        PagerConfig pager = PagerConfig.builder()
                .servers(servers.address(0), servers.address(1))
                .tokenFile(dir.resolve("demo.token"))
                .clientName("hapager-demo")
                .lease(Duration.ofMillis(leaseMillis))
                .failoverDeadline(Duration.ofSeconds(30))
                .meterRegistry(registry)
                .build();
        HapagerDerby.register(CLUSTER, ClusterSettings.of(pager).withPool(POOL_BYTES, 4096));

        t0 = System.nanoTime();
        try (HikariDataSource ds = TpccPool.create(URL + ";create=true", terminals)) {
            derbyBooted = true;
            out.printf(Locale.ROOT, "Derby: %s booted in %.1f s (buffer pool %d MiB, lease %d ms, deadlock timeout %s s);"
                    + " the client serves from %s%n", URL, secondsSince(t0), POOL_BYTES >> 20, leaseMillis,
                    System.getProperty("derby.locks.deadlockTimeout"), servers.servingName(registry));
            out.println(scaleLine(scale));

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
            checkpoint(ds);
            out.printf(Locale.ROOT, "loaded %,d rows in %.1f s (%,.0f rows/s); checkpoint %.1f s%n", load.totalRows(),
                    loadSeconds, load.totalRows() / Math.max(0.001, loadSeconds), secondsSince(t0));

            out.printf(Locale.ROOT, "run: %d terminal(s), no think times, for %s, seed %d, faults: %s%n", terminals,
                    FaultPlan.seconds(duration.toMillis()), runSeed, plan);
            TpccResult result = runMix(ds, scale, runSeed, plan, registry);
            if (interrupted) {
                return false;
            }
            List<String> problems = faultProblems(plan);
            Checks checks = checks(ds);
            return summary(result, registry, checks, problems);
        }
    }

    private String scaleLine(TpccScale scale) {
        String w = scale.warehouses() + " warehouse" + (scale.warehouses() == 1 ? "" : "s");
        if (scale.isSpec()) {
            return String.format(Locale.ROOT, "scale: %s at the TPC-C specification's cardinalities (%,d items,"
                    + " %,d customers per district)", w, scale.items(), scale.customersPerDistrict());
        }
        return String.format(Locale.ROOT, "scale: %s, REDUCED to 1/%d of the specification's items and customers"
                + " (%,d items, %,d customers per district): not TPC-C compliant; --spec-scale loads the full size",
                w, 100_000 / scale.items(), scale.items(), scale.customersPerDistrict());
    }

    private static void checkpoint(HikariDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CALL SYSCS_UTIL.SYSCS_CHECKPOINT_DATABASE()");
            c.commit();
        }
    }

    private TpccResult runMix(HikariDataSource ds, TpccScale scale, long runSeed, FaultPlan plan, MeterRegistry registry)
            throws InterruptedException {
        RunOptions options = RunOptions.builder(scale)
                .terminals(terminals)
                .duration(duration)
                .seed(runSeed)
                .checkConsistency(false) // run below, one condition at a time
                .failuresKept(100)
                .meterRegistry(registry)
                .onSnapshot(s -> progress(s, registry))
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

    private void progress(Snapshot s, MeterRegistry registry) {
        longestStall(registry);
        out.println(s.format() + String.format(Locale.ROOT, ", failovers %d, reissues %d, server %s",
                count(registry, "hapager.pager.failovers"), count(registry, "hapager.pager.reissues"),
                servers.servingName(registry)));
        out.flush();
    }

    private List<String> faultProblems(FaultPlan plan) {
        List<String> problems = new ArrayList<>(injector.problems());
        if (injector.injected() < plan.faults().size()) {
            problems.add((plan.faults().size() - injector.injected()) + " of the planned faults were not injected"
                    + " before the run ended (a longer --duration, or later faults)");
        }
        return problems;
    }

    /** Conditions 1-4, one after the other; a condition that could not run is an error, not a pass. */
    private record Checks(List<List<Violation>> violations, String error) {
        boolean passed() {
            return error == null && violations.stream().allMatch(List::isEmpty);
        }
    }

    private Checks checks(HikariDataSource ds) {
        String[] what = {"W_YTD = sum(D_YTD)", "D_NEXT_O_ID - 1 = max(O_ID) = max(NO_O_ID)",
            "max(NO_O_ID) - min(NO_O_ID) + 1 = rows in NEW_ORDER", "sum(O_OL_CNT) = rows in ORDER_LINE"};
        List<List<Violation>> all = new ArrayList<>();
        out.println("consistency (TPC-C clause 3.3.2):");
        try (Connection c = ds.getConnection()) {
            for (int i = 1; i <= 4; i++) {
                long t0 = System.nanoTime();
                List<Violation> v = switch (i) {
                    case 1 -> ConsistencyChecks.condition1(c);
                    case 2 -> ConsistencyChecks.condition2(c);
                    case 3 -> ConsistencyChecks.condition3(c);
                    default -> ConsistencyChecks.condition4(c);
                };
                c.commit();
                all.add(v);
                out.printf(Locale.ROOT, "  condition %d, %-52s %s (%.1f s)%n", i, what[i - 1] + ":",
                        v.isEmpty() ? "holds" : "VIOLATED in " + v.size() + " place(s)", secondsSince(t0));
                v.stream().limit(5).forEach(x -> out.println("    " + x));
            }
            return new Checks(all, null);
        } catch (SQLException | RuntimeException e) {
            out.println("  the checks could not run: " + e);
            return new Checks(all, e.toString());
        }
    }

    private boolean summary(TpccResult r, MeterRegistry registry, Checks checks, List<String> problems) {
        out.println();
        out.printf(Locale.ROOT, "%,d transactions in %.1f s: %.1f tpmC (New-Orders committed per minute), %.1f tps%n",
                r.totalCompleted(), r.durationSeconds(), r.tpmC(), r.tps());
        out.println("  type           committed  rolled back  retries  failed    avg      p50      p90      p99      max (ms)");
        for (TransactionType t : TransactionType.values()) {
            TypeResult x = r.of(t);
            TypeResult.Latency l = x.latency();
            out.printf(Locale.ROOT, "  %-13s %10d %12d %8d %7d %7.1f %8.1f %8.1f %8.1f %8.1f%n", t.tag(), x.committed(),
                    x.rolledBack(), x.retries(), x.failures(), l.mean(), l.p50(), l.p90(), l.p99(), l.max());
        }
        out.println("  (rolled back: New-Orders with an unused item, as the specification asks; retries: deadlock"
                + " victims and lock time-outs run again)");
        long failovers = count(registry, "hapager.pager.failovers");
        long reissues = count(registry, "hapager.pager.reissues");
        double stall = longestStall(registry);
        out.printf(Locale.ROOT, "page servers: %d fault(s) injected, %d failover(s), %d page request(s) reissued%s,"
                + " %d fenced, %d restarted%n", injector.injected(), failovers, reissues,
                stall == 0 ? "" : String.format(Locale.ROOT, ", longest stall %.2f s", stall),
                injector.fenced(), injector.restarted());
        long failed = r.totalFailures();
        List<FailureInfo> kept = r.failuresKept();
        long byIo = kept.stream().filter(DemoCommand::causedByIo).count();
        out.printf(Locale.ROOT, "errors %d: failed transactions %d, failed by page I/O %d%s, reconnects failed %d%n",
                failed, failed - r.connectFailures(), byIo, kept.size() < failed ? " (of the first " + kept.size() + ")" : "",
                r.connectFailures());
        kept.stream().limit(3).forEach(f -> out.printf(Locale.ROOT, "  at %.1f s, %s: %s (SQLState %s)%n",
                f.atSeconds(), f.type(), f.message(), f.sqlState()));
        problems.forEach(p -> out.println("fault injection: " + p));
        boolean ok = failed == 0 && checks.passed() && problems.isEmpty();
        if (ok) {
            out.printf(Locale.ROOT, "OK: no transaction failed and conditions 1-4 hold, through %d failover(s)%n", failovers);
        } else {
            List<String> why = new ArrayList<>();
            if (failed > 0) {
                why.add(failed + " transaction(s) failed");
            }
            if (!checks.passed()) {
                why.add(checks.error() != null ? "the consistency checks could not run" : "a consistency condition is violated");
            }
            if (!problems.isEmpty()) {
                why.add("a fault did not go as planned");
            }
            out.println("FAILED: " + String.join(", ", why));
        }
        out.flush();
        return ok;
    }

    /**
     * The longest failover stall so far (loss of a server to the first completion of a reissued request), in
     * seconds. Micrometer's timer max forgets an event after a couple of minutes, so it is read with every
     * progress line and the largest value kept.
     */
    private double longestStall(MeterRegistry registry) {
        Timer t = registry.find("hapager.pager.failover.stall").timer();
        if (t != null) {
            longestStallSeconds = Math.max(longestStallSeconds, t.max(TimeUnit.SECONDS));
        }
        return longestStallSeconds;
    }

    /** A failure whose causes include an I/O error (Derby wraps the storage engine's IOExceptions). */
    static boolean causedByIo(FailureInfo f) {
        String s = f.stackTrace() == null ? "" : f.stackTrace();
        return s.contains("IOException") || s.contains("PageIoException") || s.contains("org.hapager.");
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
            shutdownDerby();
        }
        HapagerDerby.close(CLUSTER);
        if (servers != null) {
            servers.stopAll();
            if (serverLogs) {
                System.err.print(servers.logs());
            }
        }
        if (temporary && !keep) {
            deleteTree(dir);
        } else if (temporary && out != null) {
            out.println("data kept for inspection (derby.log, the page servers' store): " + dir);
            out.flush();
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
        DemoServers s = servers;
        if (s != null) {
            s.stopAll(); // whatever happened above: no page server outlives the demo
        }
    }

    private static void shutdownDerby() {
        try {
            DriverManager.getConnection(URL + ";shutdown=true").close();
        } catch (SQLException e) {
            // 08006 is the success; anything else (not booted, already shut down) needs nothing more
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("hapager demo: could not remove " + root + ": " + e);
        }
    }

    static long count(MeterRegistry registry, String name) {
        return Math.round(registry.find(name).counters().stream().mapToDouble(c -> c.count()).sum());
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    /** Seconds as {@code 60}, {@code 60s}, {@code 1.5m} or {@code 500ms}. */
    static final class SecondsConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            double factor = 1000;
            if (v.endsWith("ms")) {
                factor = 1;
                v = v.substring(0, v.length() - 2);
            } else if (v.endsWith("s")) {
                v = v.substring(0, v.length() - 1);
            } else if (v.endsWith("m")) {
                factor = 60_000;
                v = v.substring(0, v.length() - 1);
            }
            try {
                double n = Double.parseDouble(v);
                if (!Double.isFinite(n)) {
                    throw new NumberFormatException();
                }
                return Duration.ofMillis(Math.round(n * factor));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a time (expected e.g. 60, 60s, 1.5m)");
            }
        }
    }
}
