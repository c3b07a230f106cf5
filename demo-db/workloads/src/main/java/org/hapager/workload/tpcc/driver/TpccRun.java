package org.hapager.workload.tpcc.driver;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.hapager.workload.tpcc.NURandConstants;
import org.hapager.workload.tpcc.TpccRandom;
import org.hapager.workload.tpcc.TpccScale;
import org.hapager.workload.tpcc.checks.ConsistencyChecks;
import org.hapager.workload.tpcc.checks.Violation;
import org.hapager.workload.tpcc.transactions.InputGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the TPC-C mix on a loaded database: {@link RunOptions#terminals()} threads, each with its own
 * connection from the DataSource and a home warehouse and district, for {@link RunOptions#duration()} (or
 * until each has run {@link RunOptions#transactionLimit()} transactions, or {@link #stop()}); a
 * {@link Snapshot} every {@link RunOptions#interval()}; then consistency conditions 1-4.
 *
 * <pre>{@code
 * TpccResult r = new TpccRun(dataSource, RunOptions.builder(TpccScale.spec(2)).terminals(8)
 *         .duration(Duration.ofMinutes(1)).onSnapshot(s -> System.out.println(s.format())).build()).run();
 * System.out.println(r.summary());
 * Files.writeString(Path.of("tpcc.json"), r.toJson());
 * }</pre>
 *
 * The DataSource should hand out at least {@code terminals} connections (plus one for the checks after
 * the run). The run sets each terminal connection's isolation and turns auto-commit off.
 */
public final class TpccRun {

    private static final Logger log = LoggerFactory.getLogger(TpccRun.class);

    private final DataSource dataSource;
    private final RunOptions options;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();

    public TpccRun(DataSource dataSource, RunOptions options) {
        this.dataSource = dataSource;
        this.options = options;
    }

    /** Ends the run early: terminals finish the transaction they are in and stop. Any thread. */
    public void stop() {
        stop.set(true);
    }

    /**
     * Runs on the calling thread (which also calls {@link RunOptions#onSnapshot()}) and returns when every
     * terminal has stopped and the checks are done. A failed transaction does not end the run; it is counted
     * in the result. Once per instance.
     */
    public TpccResult run() throws InterruptedException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("a TpccRun runs once");
        }
        TpccScale scale = options.scale();
        NURandConstants constants = NURandConstants.forRun(new SplittableRandom(options.seed()));
        Instant startedAt = Instant.now();
        long start = System.nanoTime();
        Stats stats = new Stats(options.meterRegistry(), options.failuresKept(), start);
        CountDownLatch finished = new CountDownLatch(options.terminals());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < options.terminals(); i++) {
            int homeW = i % scale.warehouses() + 1;
            int homeD = i / scale.warehouses() % TpccScale.DISTRICTS + 1;
            InputGenerator inputs = new InputGenerator(scale, new TpccRandom(options.seed() + i + 1, constants),
                    homeW, homeD);
            Terminal terminal = new Terminal(dataSource, options, inputs, stats, stop);
            Thread t = new Thread(() -> {
                try {
                    terminal.run();
                } finally {
                    finished.countDown();
                }
            }, "tpcc-terminal-" + (i + 1));
            t.setDaemon(true);
            threads.add(t);
        }
        log.info("TPC-C run: {} terminal(s) on {} warehouse(s) for {}{}", options.terminals(), scale.warehouses(),
                options.duration(), options.transactionLimit() > 0
                        ? " or " + options.transactionLimit() + " transactions per terminal" : "");
        threads.forEach(Thread::start);

        List<Snapshot> intervals = new ArrayList<>();
        // times relative to start (System.nanoTime() values are only comparable by difference)
        long limit = options.duration().isZero() ? Long.MAX_VALUE : options.duration().toNanos();
        long intervalNanos = options.interval().toNanos();
        long nextTick = intervalNanos;
        try {
            while (!stop.get()) {
                long wait = Math.min(nextTick, limit) - (System.nanoTime() - start);
                boolean allDone = wait > 0 ? finished.await(wait, TimeUnit.NANOSECONDS) : finished.getCount() == 0;
                long now = System.nanoTime();
                long elapsed = now - start;
                if (allDone || elapsed >= limit) {
                    break;
                }
                if (elapsed >= nextTick) {
                    report(stats.snapshot(now), intervals);
                    nextTick += intervalNanos * ((elapsed - nextTick) / intervalNanos + 1);
                }
            }
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
        }
        long end = System.nanoTime();
        report(stats.snapshot(end), intervals);
        double seconds = Stats.seconds(end - start);

        List<Violation> violations = List.of();
        String checkError = null;
        if (options.checkConsistency()) {
            try {
                violations = ConsistencyChecks.check(dataSource);
                violations.forEach(v -> log.warn("{}", v));
            } catch (SQLException | RuntimeException e) {
                checkError = e.toString();
                log.warn("consistency checks could not run", e);
            }
        }
        return new TpccResult(startedAt, seconds, options.terminals(), scale, options.seed(), constants,
                stats.results(), options.checkConsistency(), violations, checkError, stats.failures(),
                stats.connectFailures(), intervals);
    }

    private void report(Snapshot s, List<Snapshot> intervals) {
        intervals.add(s);
        try {
            options.onSnapshot().accept(s);
        } catch (RuntimeException e) {
            log.warn("snapshot listener failed", e);
        }
    }
}
