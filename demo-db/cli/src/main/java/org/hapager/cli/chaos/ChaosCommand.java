package org.hapager.cli.chaos;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hapager.cli.DurationConverter;
import org.hapager.cli.metrics.CliMetrics;
import org.hapager.cli.report.HtmlReport;
import org.hapager.cli.servers.LocalPageServers;
import org.hapager.cli.workload.RunOutputs;
import org.hapager.cli.workload.StorageWatch;
import org.hapager.cli.workload.Summary;
import org.hapager.cli.workload.Target;
import org.hapager.cli.workload.WorkloadOptions;
import org.hapager.cli.workload.WorkloadPart;
import org.hapager.workload.driver.Driver;
import org.hapager.workload.driver.DriverOptions;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.driver.FailureInfo;
import org.hapager.workload.driver.Workload;
import org.hapager.workload.result.CheckResult;
import org.hapager.workload.result.RunEvent;
import org.hapager.workload.result.WorkloadResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code hapager chaos}: the fault campaign as a command. Runs {@code hapager tpcb}'s or {@code hapager tpcc}'s
 * workload (their options, their loading, their checks) on Derby on an embedded pair of page servers while a
 * {@link ChaosInjector} hurts the servers on a {@link FaultSchedule} drawn from the seed. Then, in order:
 * <ol>
 *   <li>the workload's checks and the {@link Ledger} (nothing acknowledged missing), in this JVM;</li>
 *   <li>recovery ({@link Recovery}): Derby shut down (its database lock released), both page servers killed
 *   with kill -9 and started again, and the database booted in a fresh JVM ({@link ChaosVerifyCommand}) which
 *   runs the checks and counts the ledger again;</li>
 *   <li>the summary, the JSON result and the HTML report (every fault an event), and one final line.</li>
 * </ol>
 * Exit code 0 only if no transaction failed (both-down outages are shorter than the client's failover
 * deadline, so none may fail even then), every fault went as planned, every check held in both JVMs and
 * nothing acknowledged is missing; 1 otherwise; 2 for bad usage; 130 when interrupted (Ctrl-C).
 *
 * <p>Threads: the command's thread does all of the above; the injector runs on its own thread while the
 * workload runs; a shutdown hook (Ctrl-C) stops the run and waits for the command's thread to clean up, or
 * cleans up itself after 15 s, as the workload commands do.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The fault campaign as a command: a workload (tpcb, pgbench's TPC-B-like transaction, or tpcc)"
                + " on Derby on hapager with an embedded pair of page servers, hurt at random for --duration: kill -9"
                + " of either server and restart, SIGSTOP then SIGCONT (or a restart once fenced), both servers down"
                + " for a few seconds, and a restart (SIGTERM, drain) while requests are in flight. The schedule is drawn"
                + " up front from --seed and printed, so a campaign replays. At the end the workload's checks and a"
                + " ledger of acknowledged commits run, then again in a fresh JVM after Derby's shutdown and kill -9 of"
                + " both servers. One final line says it all.",
            "Of the workload commands' options below, --url, --storage, --servers, --token-file and -t are refused (the"
                + " campaign kills and restarts its own page servers); -P defaults to 5 (s)"
                + " here and --report to " + ChaosCommand.REPORT + ".",
            "Exit code 0 only if no transaction failed, every fault went as planned, every check held before and after"
                + " the recovery, and nothing acknowledged is missing."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:passed", "1:a transaction failed, a fault did not go as planned, a check did not hold or an"
                + " acknowledged commit is missing", "2:bad usage", "130:interrupted (Ctrl-C)"})
public final class ChaosCommand implements Callable<Integer> {

    /** The workloads a campaign can run. */
    public enum WorkloadName { TPCB, TPCC }

    /** Where the HTML report goes unless {@code --report} says otherwise. */
    static final String REPORT = "hapager-chaos-report.html";
    /** Progress lines every this many seconds unless {@code -P} says otherwise (the command's description says 5). */
    static final int DEFAULT_PROGRESS_SECONDS = 5;
    /** How much longer than {@code --duration} a run may go on for {@code --min-faults}. */
    static final int MAX_EXTENSION_MINUTES = 10;
    /** A failed transaction this soon after a both-down outage ended is counted as failing in it (for the summary). */
    static final double OUTAGE_GRACE_SECONDS = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--workload", paramLabel = "NAME", defaultValue = "tpcb", converter = WorkloadConverter.class,
            description = "tpcb (pgbench's TPC-B-like transaction) or tpcc (the TPC-C mix) (default: ${DEFAULT-VALUE})")
    WorkloadName workload;

    @Option(names = "--faults", paramLabel = "KINDS", defaultValue = "kill,stop,both-down,restart",
            description = "the kinds of fault, comma-separated: kill, stop, both-down, restart (default: ${DEFAULT-VALUE})")
    String faults;

    @Option(names = "--fault-interval", paramLabel = "TIME", defaultValue = "3s", converter = DurationConverter.class,
            description = "mean gap between the end of one fault and the start of the next: 3, 3s, 0.5s"
                    + " (default: ${DEFAULT-VALUE})")
    Duration faultInterval;

    @Option(names = "--min-faults", paramLabel = "N", defaultValue = "0",
            description = "run past --duration until N faults have been injected (at most " + MAX_EXTENSION_MINUTES
                    + " minutes more): with N = the number of kinds, every kind occurs at least once, however slowly"
                    + " the servers restart (default: ${DEFAULT-VALUE})")
    int minFaults;

    @Option(names = {"-s", "--scale"}, paramLabel = "N", defaultValue = "1",
            description = "tpcb: pgbench's scale to load, as hapager tpcb -s (default: ${DEFAULT-VALUE})")
    int scale;

    @Option(names = {"-w", "--warehouses"}, paramLabel = "W", defaultValue = "1",
            description = "tpcc: warehouses to load, as hapager tpcc -w (default: ${DEFAULT-VALUE})")
    int warehouses;

    @Option(names = "--reduce", paramLabel = "FACTOR", defaultValue = "1",
            description = "tpcc: load 1/FACTOR of the items and customers, as hapager tpcc --reduce (default: ${DEFAULT-VALUE})")
    int reduce;

    @Mixin
    WorkloadOptions options = new WorkloadOptions(REPORT);

    private PrintWriter out;
    private volatile WorkloadPart part;
    private volatile Driver driver;
    private volatile Target target;
    private volatile ChaosInjector injector;
    private volatile Thread injectorThread;
    private volatile Recovery recovering;
    private volatile boolean interrupted;
    private volatile boolean finished;
    /** Database locks lost (Derby's lock on its database), as dated by the progress callback. */
    private final List<RunEvent> lockEvents = new CopyOnWriteArrayList<>();
    /** Written by the driver's reporting thread only. */
    private long locksLostSeen;
    private final CountDownLatch done = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        Set<FaultKind> kinds = validate(cl);
        out = cl.getOut();
        long seed = options.shared().seedOrFromClock();
        FaultSchedule schedule = FaultSchedule.generate(seed, kinds, faultInterval.toMillis(), options.time().toMillis(),
                minFaults);
        Path report = options.shared().report();
        Thread hook = new Thread(this::onInterrupt, "hapager-chaos-interrupted");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean passed = false;
        CliMetrics metrics = null;
        try {
            metrics = RunOutputs.openMetrics(cl, options.shared().metricsPort());
            passed = campaign(schedule, kinds, seed, metrics, report);
            if (interrupted) {
                return 130;
            }
            return passed ? 0 : 1;
        } catch (ParameterException e) {
            throw e;
        } catch (Exception e) {
            if (interrupted) {
                return 130;
            }
            out.println("FAILED: chaos " + name() + " could not go on: " + e);
            e.printStackTrace(cl.getErr());
            return 1;
        } finally {
            finished = true;
            Target t = target;
            if (t != null && t.servers() != null && !passed && !interrupted) {
                saveServerLogs(t);
            }
            if (t != null) {
                t.close(!passed && !interrupted, out);
            }
            if (metrics != null) {
                metrics.close();
            }
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook runs and finds everything done
            }
        }
    }

    /** Every page server's output, into {@code page-servers.log} in the data directory (kept: the run failed). */
    private void saveServerLogs(Target t) {
        Path file = t.directory().resolve("page-servers.log");
        try {
            java.nio.file.Files.writeString(file, t.servers().logs());
            out.println("page servers' output: " + file);
        } catch (IOException e) {
            out.println("could not write the page servers' output to " + file + ": " + e);
        }
    }

    /** The shared workload options, then the campaign's own; returns the fault kinds. */
    private Set<FaultKind> validate(CommandLine cl) {
        options.validate(cl);
        for (String o : List.of("--url", "--servers", "--token-file", "--storage")) {
            if (cl.getParseResult().hasMatchedOption(o) && !(o.equals("--storage") && options.embeddedPageServers())) {
                throw new ParameterException(cl, o + " is not for hapager chaos: it runs on its own embedded pair of"
                        + " page servers, which it kills and restarts");
            }
        }
        if (options.time().isZero()) {
            throw new ParameterException(cl, "--duration (-T) must be positive: a campaign runs for a time");
        }
        if (matched(cl, "-t")) {
            throw new ParameterException(cl, "-t/--transactions is not for hapager chaos: a campaign runs for --duration");
        }
        if (minFaults < 0 || minFaults > 10_000) {
            throw new ParameterException(cl, "--min-faults must be 0 to 10000, not " + minFaults);
        }
        if (faultInterval.toMillis() < 100) {
            throw new ParameterException(cl, "--fault-interval must be at least 0.1 s, not "
                    + faultInterval.toMillis() / 1000.0 + " s");
        }
        Set<FaultKind> kinds;
        try {
            kinds = FaultKind.parseList(faults);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, "--faults: " + e.getMessage());
        }
        if (workload == WorkloadName.TPCB && (matched(cl, "-w") || matched(cl, "--reduce"))) {
            throw new ParameterException(cl, "-w/--warehouses and --reduce are for --workload tpcc");
        }
        if (workload == WorkloadName.TPCC && matched(cl, "-s")) {
            throw new ParameterException(cl, "-s/--scale is for --workload tpcb");
        }
        part = workload == WorkloadName.TPCC ? WorkloadPart.tpcc(warehouses, reduce, cl) : WorkloadPart.tpcb(scale, cl);
        return kinds;
    }

    private static boolean matched(CommandLine cl, String option) {
        return cl.getParseResult().hasMatchedOption(option);
    }

    private boolean campaign(FaultSchedule schedule, Set<FaultKind> kinds, long seed, CliMetrics metrics, Path report)
            throws Exception {
        MeterRegistry registry = metrics.registry();
        metrics.url().ifPresent(u -> out.println("metrics: " + u + " (Prometheus text format)"));
        target = Target.open(options, part.database(), registry, out);
        out.println("database: " + target.description());
        out.println("data: " + target.directory().describe());
        HikariDataSource ds = target.pool(part.database(), options.clients(), metrics);
        Map<String, String> config = new LinkedHashMap<>();
        config.put("database", target.description());
        config.put("url", target.url());
        Workload work = part.prepare(ds, seed, out, config);
        if (interrupted) {
            return false;
        }
        Ledger ledger = Ledger.of(workload);
        Map<String, Long> before;
        try (Connection c = ds.getConnection()) {
            before = ledger.count(c);
            c.commit();
        }
        String kindsText = String.join(",", kinds.stream().map(FaultKind::option).toList());
        config.put("clients", Integer.toString(options.clients()));
        config.put("duration", seconds(options.time()));
        config.put("seed", Long.toString(seed));
        config.put("faults", kindsText);
        config.put("fault_interval", seconds(faultInterval) + " mean");
        config.put("lease", options.shared().leaseMillis() + " ms");
        config.put("fault_schedule", schedule.toString());
        config.put("ledger_before", before.toString());
        config.put("isolation", "READ COMMITTED");
        out.printf(Locale.ROOT, "chaos: %s, %d client(s) for %s, faults %s every %s on average, seed %d (replay:"
                + " --seed %d): %d fault(s) drawn, each after the previous one's end%n", work.name(), options.clients(),
                seconds(options.time()), kindsText, seconds(faultInterval), seed, seed, schedule.faults().size());
        out.println("schedule: " + schedule.describe(8));
        out.println("ledger before the run: " + before);
        out.flush();

        StorageWatch watch = new StorageWatch(registry);
        DriverResult r = run(ds, work, seed, schedule, registry, watch);
        if (interrupted) {
            return false;
        }
        injector.restoreServers();
        List<String> problems = injector.problems();
        watch.poll(r.durationSeconds());

        out.println("checks:");
        List<CheckResult> checks = new ArrayList<>();
        Map<String, Long> after = null;
        try (Connection c = ds.getConnection()) {
            checks.addAll(part.check(c));
            after = ledger.count(c);
            c.commit();
            checks.addAll(ledger.check(before, after, r));
        } catch (SQLException | RuntimeException e) {
            checks.add(new CheckResult("checks after the run", false, "could not run: " + e));
        }
        checks.add(new CheckResult("every fault went as planned (the client moved, the servers came back)",
                problems.isEmpty(), String.join("; ", problems)));
        Summary.checks(out, checks);
        out.println("ledger after the run: " + after);

        Recovery fresh = new Recovery(target, workload, options.shared().leaseMillis(), out);
        recovering = fresh;
        List<CheckResult> recovery = fresh.run(ledger, after == null ? Map.of() : after);
        if (interrupted) {
            return false;
        }
        Summary.checks(out, recovery);

        out.println();
        Summary.transactions(out, r);
        long inOutages = failedInOutages(r, injector.outages());
        out.printf(Locale.ROOT, "page servers: %d fault(s) injected (%s), %d fenced, %d exited by themselves;"
                + " %d failover(s), %d page request(s) reissued, longest stall %.2f s%n", injector.injected(),
                byKind(), injector.fenced(), injector.exitedByThemselves(), watch.failovers(), watch.reissues(),
                watch.longestStallSeconds());
        out.printf(Locale.ROOT, "errors %d: failed transactions %d (%d of them during or just after a both-down"
                + " outage), reconnects failed %d%n", r.totalFailures(), r.totalFailures() - r.connectFailures(),
                inOutages, r.connectFailures());
        Summary.failures(out, r.failuresKept(), 5);
        long locksLost = locksLost(registry);
        long suspended = count(registry, "hapager.derby.lock.suspended");
        if (locksLost > 0) {
            out.printf(Locale.ROOT, "WARNING: Derby's database lock was lost %d time(s) (see the lock_lost events): this"
                    + " JVM was fenced from the database and every further write of it failed%n", locksLost);
        } else if (suspended > 0) {
            out.printf(Locale.ROOT, "database lock: suspended %d time(s) while an outage outlasted a renewal (writes"
                    + " waited), resumed every time%n", suspended);
        }

        List<RunEvent> events = new ArrayList<>(injector.events());
        events.addAll(watch.events());
        events.addAll(lockEvents);
        events.sort(Comparator.comparingDouble(RunEvent::atSeconds));
        List<CheckResult> all = new ArrayList<>(checks);
        all.addAll(recovery);
        WorkloadResult result = new WorkloadResult(r, config, watch.figures(), events, all);
        if (options.shared().json() != null) {
            RunOutputs.writeJson(result, options.shared().json(), out);
        }
        HtmlReport.write(result, "hapager chaos " + name(), report);
        boolean passed = result.passed();
        out.println(finalLine(passed, r, watch, checks, recovery, report));
        out.flush();
        return passed;
    }

    /** Runs the workload with the injector on its thread; progress lines with the faults so far. */
    private DriverResult run(HikariDataSource ds, Workload work, long seed, FaultSchedule schedule,
            MeterRegistry registry, StorageWatch watch) throws InterruptedException {
        int every = matched(spec.commandLine(), "-P") ? options.progressSeconds() : DEFAULT_PROGRESS_SECONDS;
        LocalPageServers servers = target.servers();
        long start = System.nanoTime();
        ChaosInjector faults = new ChaosInjector(schedule, servers, registry, out, start);
        injector = faults;
        double[] printed = {0};
        // a snapshot every second (the report's resolution, and when failovers and lost locks are dated), a
        // progress line every `every` seconds
        Duration limit = minFaults == 0 ? options.time() : options.time().plusMinutes(MAX_EXTENSION_MINUTES);
        double seconds = options.time().toMillis() / 1000.0;
        Driver[] self = new Driver[1];
        Driver d = new Driver(ds, work, new DriverOptions(options.clients(), limit, 0, seed,
                Connection.TRANSACTION_READ_COMMITTED, Duration.ofSeconds(1), s -> {
                    watch.poll(s.elapsedSeconds());
                    if (minFaults > 0 && s.elapsedSeconds() >= seconds
                            && (faults.injected() >= minFaults || faults.finished())) {
                        self[0].stop(); // --duration is over and --min-faults injected (or no more will be)
                    }
                    long lost = locksLost(registry);
                    if (lost > locksLostSeen) {
                        lockEvents.add(new RunEvent(s.elapsedSeconds(), "lock_lost", (lost - locksLostSeen)
                                + " database lock(s) lost: taken over, or not regained after an outage; this JVM is fenced"));
                        locksLostSeen = lost;
                    }
                    if (every > 0 && s.elapsedSeconds() - printed[0] >= every - 0.5) {
                        printed[0] = s.elapsedSeconds();
                        out.println(s.format() + ", faults " + faults.injected() + watch.progressSuffix());
                        out.flush();
                    }
                }, registry, 100));
        self[0] = d;
        driver = d;
        if (interrupted) {
            d.stop();
        }
        Thread thread = new Thread(faults, "hapager-chaos-faults");
        thread.setDaemon(true);
        injectorThread = thread;
        thread.start();
        try {
            return d.run();
        } finally {
            faults.stop();
            thread.join(TimeUnit.SECONDS.toMillis(120)); // a fault under way finishes: its servers restart
        }
    }

    /** {@code hapager.derby.lock.lost}: database locks lost while held. */
    private static long locksLost(MeterRegistry registry) {
        return count(registry, "hapager.derby.lock.lost");
    }

    private static long count(MeterRegistry registry, String counter) {
        return Math.round(registry.find(counter).counters().stream().mapToDouble(c -> c.count()).sum());
    }

    /**
     * Failed transactions (of those kept with their time) that failed during a both-down outage or within
     * {@value #OUTAGE_GRACE_SECONDS} s after it.
     */
    static long failedInOutages(DriverResult r, List<double[]> outages) {
        long n = 0;
        for (FailureInfo f : r.failuresKept()) {
            for (double[] o : outages) {
                if (f.atSeconds() >= o[0] && f.atSeconds() <= o[1] + OUTAGE_GRACE_SECONDS) {
                    n++;
                    break;
                }
            }
        }
        return n;
    }

    private String byKind() {
        List<String> parts = new ArrayList<>();
        for (FaultKind k : FaultKind.values()) {
            parts.add(k.label() + " " + injector.injected(k));
        }
        return String.join(", ", parts);
    }

    /**
     * {@code PASSED|FAILED: chaos tpcb 60s: N faults (kill -9 a, SIGSTOP b, both-down c, restart d), F failovers,
     * R reissues, longest stall X ms, T transactions, E failed, checks k/k OK, recovery checks k/k OK, report: P}.
     */
    private String finalLine(boolean passed, DriverResult r, StorageWatch watch, List<CheckResult> checks,
            List<CheckResult> recovery, Path report) {
        return String.format(Locale.ROOT, "%s: chaos %s %s: %d faults (%s), %d failovers, %d reissues, longest stall"
                + " %.0f ms, %d transactions, %d failed, checks %s, recovery checks %s, report: %s",
                passed ? "PASSED" : "FAILED", name(), seconds(options.time()), injector.injected(), byKind(),
                watch.failovers(), watch.reissues(), watch.longestStallSeconds() * 1000, r.totalCompleted(),
                r.totalFailures(), held(checks), held(recovery), report.toAbsolutePath());
    }

    private static String held(List<CheckResult> checks) {
        long held = checks.stream().filter(CheckResult::passed).count();
        return held + "/" + checks.size() + (held == checks.size() ? " OK" : " NOT OK");
    }

    private String name() {
        return workload.name().toLowerCase(Locale.ROOT);
    }

    /** 600 s → {@code 10m}, 45 s → {@code 45s}, 2.5 s → {@code 2.5s}. */
    static String seconds(Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0 && ms >= 60_000) {
            return ms / 60_000 + "m";
        }
        return (ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0)) + "s";
    }

    /** The shutdown hook (Ctrl-C): stops the run; the command's thread cleans up, or this one after 15 s. */
    private void onInterrupt() {
        if (finished) {
            return;
        }
        interrupted = true;
        System.err.println("hapager chaos: interrupted; stopping the run and the faults, shutting the database down");
        WorkloadPart w = part;
        if (w != null) {
            w.stopPreparing();
        }
        Driver d = driver;
        if (d != null) {
            d.stop();
        }
        ChaosInjector f = injector;
        if (f != null) {
            f.stop();
        }
        Recovery v = recovering;
        if (v != null) {
            v.cancel();
        }
        try {
            if (!done.await(15, TimeUnit.SECONDS)) {
                Target t = target;
                if (t != null) {
                    t.close(false, new PrintWriter(System.err, true));
                }
            }
            Thread faults = injectorThread;
            if (faults != null) {
                // a restart under way stops the server it started once it sees the pair stopped: let it, or the
                // JVM would exit with that server running
                faults.join(TimeUnit.SECONDS.toMillis(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code tpcb} or {@code tpcc}, any case. */
    static final class WorkloadConverter implements CommandLine.ITypeConverter<WorkloadName> {
        @Override
        public WorkloadName convert(String value) {
            try {
                return WorkloadName.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a chaos workload: tpcb or tpcc");
            }
        }
    }
}
