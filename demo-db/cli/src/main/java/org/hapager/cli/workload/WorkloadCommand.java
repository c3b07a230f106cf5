package org.hapager.cli.workload;

import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hapager.cli.database.DerbySetup;
import org.hapager.cli.metrics.CliMetrics;
import org.hapager.cli.report.HtmlReport;
import org.hapager.workload.driver.Driver;
import org.hapager.workload.driver.DriverOptions;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.driver.Workload;
import org.hapager.workload.result.CheckResult;
import org.hapager.workload.result.WorkloadResult;
import org.hapager.workload.tpcc.loader.LoadProgress;
import org.hapager.workload.tpcc.loader.LoadResult;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every workload command does, in order: open the metrics endpoint if asked, set up the database
 * ({@link Target}), let the command prepare it (load) and name its {@link Workload}, run it with the
 * {@link Driver} printing a progress line every {@code -P} seconds, run the command's checks, print the
 * summary, and write the JSON result and the HTML report if asked. Exit code 0 only if no transaction failed
 * and every check held; 1 otherwise; 2 for bad usage; 130 when interrupted (Ctrl-C), after clean-up.
 *
 * <p>Threads: the command's thread does all of the above; a shutdown hook (Ctrl-C) stops the run and waits
 * for that thread to clean up, or cleans up itself after 15 s.
 */
public abstract class WorkloadCommand implements Callable<Integer> {

    @Spec
    protected CommandSpec spec;

    @Mixin
    protected WorkloadOptions options;

    private volatile Driver driver;
    private volatile Target target;
    private volatile boolean interrupted;
    private volatile boolean finished;
    private final CountDownLatch done = new CountDownLatch(1);

    /** The database's name, e.g. {@code tpcc}: a hapager or Derby database of that name is used. */
    protected abstract String database();

    /** Checks the command's own options; throw a {@link picocli.CommandLine.ParameterException} for a bad one. */
    protected void validateOwnOptions() {
    }

    /**
     * Makes the database ready (creates and loads it if needed, printing progress) and returns the workload to
     * run; adds what describes it to {@code config}.
     */
    protected abstract Workload prepare(HikariDataSource ds, long seed, PrintWriter out, Map<String, String> config)
            throws Exception;

    /** The checks after the run, on a quiet database. */
    protected abstract List<CheckResult> check(Connection c) throws SQLException;

    /** A loader, given the progress bar to report to. */
    @FunctionalInterface
    protected interface Loader {
        LoadResult load(LoadProgress progress) throws SQLException;
    }

    /**
     * Runs {@code loader} with a progress bar (stopped by Ctrl-C), says how fast it loaded, and checkpoints a
     * Derby database so that the run does not start with the load's log to replay.
     */
    protected final void load(HikariDataSource ds, PrintWriter out, Loader loader) throws SQLException {
        LoadBar bar = new LoadBar(out, System.console() != null, this::interrupted);
        LoadResult load;
        try {
            load = loader.load(bar);
        } finally {
            bar.finish();
        }
        double seconds = load.elapsed().toMillis() / 1000.0;
        out.printf(Locale.ROOT, "loaded %,d rows in %.1f s (%,.0f rows/s)%n", load.totalRows(), seconds,
                load.totalRows() / Math.max(0.001, seconds));
        if (ds.getJdbcUrl().startsWith("jdbc:derby:")) {
            DerbySetup.checkpoint(ds);
        }
    }

    /** Makes {@link #interrupted()} true: a preparation run for another command (hapager chaos) stops its load. */
    final void stopPreparing() {
        interrupted = true;
    }

    /** True once Ctrl-C was pressed: a long preparation should stop. */
    protected final boolean interrupted() {
        return interrupted;
    }

    @Override
    public final Integer call() throws Exception {
        options.validate(spec.commandLine());
        validateOwnOptions();
        PrintWriter out = spec.commandLine().getOut();
        long seed = options.shared().seedOrFromClock();
        Thread hook = new Thread(this::onInterrupt, "hapager-interrupted");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean passed = false;
        CliMetrics metrics = null;
        try {
            metrics = RunOutputs.openMetrics(spec.commandLine(), options.shared().metricsPort());
            metrics.url().ifPresent(u -> out.println("metrics: " + u + " (Prometheus text format)"));
            target = Target.open(options, database(), metrics.registry(), out);
            out.println("database: " + target.description());
            HikariDataSource ds = target.pool(database(), options.clients, metrics);
            Map<String, String> config = new LinkedHashMap<>();
            config.put("database", target.description());
            config.put("url", target.url());
            Workload workload = prepare(ds, seed, out, config);
            if (interrupted) {
                return 130;
            }
            config.put("clients", Integer.toString(options.clients));
            config.put("duration", options.time.isZero() ? "no limit" : options.time.toMillis() / 1000.0 + " s");
            if (options.transactions > 0) {
                config.put("transactions_per_client", Long.toString(options.transactions));
            }
            config.put("seed", Long.toString(seed));
            config.put("isolation", "READ COMMITTED");
            config.put("think_times", "none");
            out.printf(Locale.ROOT, "run: %s, %d client(s), no think times, %s%s, seed %d%n", workload.name(),
                    options.clients, options.time.isZero() ? "no time limit" : "for " + options.time.toMillis() / 1000.0 + " s",
                    options.transactions > 0 ? ", " + options.transactions + " transactions per client" : "", seed);
            WorkloadResult result = run(ds, workload, seed, config, metrics, out);
            if (interrupted) {
                return 130;
            }
            passed = result.passed();
            return passed ? 0 : 1;
        } catch (Exception e) {
            if (interrupted) {
                return 130;
            }
            throw e;
        } finally {
            finished = true;
            Target t = target;
            if (t != null) {
                t.close(!passed && !interrupted, out);
            }
            if (metrics != null) {
                metrics.close(); // after the pool and the pager, which unregister their gauges from it
            }
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook runs and finds everything done
            }
        }
    }

    private WorkloadResult run(HikariDataSource ds, Workload workload, long seed, Map<String, String> config,
            CliMetrics metrics, PrintWriter out) throws Exception {
        StorageWatch watch = new StorageWatch(metrics.registry());
        boolean hapager = target.onHapager();
        Duration interval = Duration.ofSeconds(Math.max(1, options.progress));
        Driver d = new Driver(ds, workload, new DriverOptions(options.clients, options.time, options.transactions,
                seed, Connection.TRANSACTION_READ_COMMITTED, interval, s -> {
                    watch.poll(s.elapsedSeconds());
                    if (options.progress > 0) {
                        out.println(s.format() + (hapager ? watch.progressSuffix() : ""));
                        out.flush();
                    }
                }, metrics.registry(), 100));
        driver = d;
        DriverResult r = d.run();
        List<CheckResult> checks = List.of();
        if (!interrupted) {
            out.println("checks:");
            try (Connection c = ds.getConnection()) {
                checks = check(c);
                if (!c.getAutoCommit()) {
                    c.commit();
                }
            } catch (SQLException | RuntimeException e) {
                checks = List.of(new CheckResult("checks after the run", false, "could not run: " + e));
            }
            Summary.checks(out, checks);
        }
        WorkloadResult result = new WorkloadResult(r, config, hapager ? watch.figures() : List.of(), watch.events(),
                checks);
        out.println();
        Summary.transactions(out, r);
        if (hapager) {
            out.printf(Locale.ROOT, "page servers: %d failover(s), %d page request(s) reissued, longest stall %.2f s%n",
                    watch.failovers(), watch.reissues(), watch.longestStallSeconds());
        }
        out.printf(Locale.ROOT, "errors %d: failed transactions %d, reconnects failed %d%n", r.totalFailures(),
                r.totalFailures() - r.connectFailures(), r.connectFailures());
        Summary.failures(out, r.failuresKept(), 3);
        if (options.shared().json() != null) {
            RunOutputs.writeJson(result, options.shared().json(), out);
        }
        if (options.shared().report() != null) {
            HtmlReport.write(result, "hapager " + spec.name(), options.shared().report());
            out.println("report: " + options.shared().report().toAbsolutePath());
        }
        out.println(result.passed() ? "OK: no transaction failed and every check held"
                : "FAILED: " + (r.totalFailures() > 0 ? r.totalFailures() + " failure(s)" : "a check did not hold"));
        out.flush();
        return result;
    }

    /** The shutdown hook (Ctrl-C): stops the run; the command's thread cleans up, or this one after 15 s. */
    private void onInterrupt() {
        if (finished) {
            return;
        }
        interrupted = true;
        System.err.println("hapager: interrupted; stopping the run, shutting the database down");
        Driver d = driver;
        if (d != null) {
            d.stop();
        }
        try {
            if (!done.await(15, TimeUnit.SECONDS)) {
                Target t = target;
                if (t != null) {
                    t.close(false, new PrintWriter(System.err, true));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
