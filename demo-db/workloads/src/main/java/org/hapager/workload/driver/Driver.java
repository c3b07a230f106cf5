package org.hapager.workload.driver;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Workload} on a database: {@link DriverOptions#clients()} threads, each with its own connection
 * from the DataSource and its own {@link WorkloadClient}, for {@link DriverOptions#duration()} (or until each
 * has run {@link DriverOptions#transactionLimit()} transactions, or {@link #stop()}), with a {@link Snapshot}
 * every {@link DriverOptions#interval()}.
 *
 * <p>Threads: {@link #run()} runs on the caller's thread, which takes the snapshots and calls the snapshot
 * listener; the client threads record into wait-free counters and histograms; {@link #stop()} may come from
 * any thread. The DataSource should hand out at least {@code clients} connections. A failed transaction does
 * not end the run; it is counted in the result.
 */
public final class Driver {

    private static final Logger log = LoggerFactory.getLogger(Driver.class);

    private final DataSource dataSource;
    private final Workload workload;
    private final DriverOptions options;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();

    public Driver(DataSource dataSource, Workload workload, DriverOptions options) {
        this.dataSource = dataSource;
        this.workload = workload;
        this.options = options;
    }

    /** Ends the run early: clients finish the transaction they are in and stop. Any thread. */
    public void stop() {
        stop.set(true);
    }

    /** Runs the workload and returns when every client has stopped. Once per instance. */
    public DriverResult run() throws InterruptedException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("a Driver runs once");
        }
        Instant startedAt = Instant.now();
        long start = System.nanoTime();
        Stats stats = new Stats(workload, options.meterRegistry(), options.failuresKept(), start);
        CountDownLatch finished = new CountDownLatch(options.clients());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < options.clients(); i++) {
            Terminal terminal = new Terminal(dataSource, options, workload.client(i, options.seed()), stats, stop);
            Thread t = new Thread(() -> {
                try {
                    terminal.run();
                } finally {
                    finished.countDown();
                }
            }, workload.name() + "-client-" + (i + 1));
            t.setDaemon(true);
            threads.add(t);
        }
        log.info("{} run: {} client(s) for {}{}", workload.name(), options.clients(), options.duration(),
                options.transactionLimit() > 0 ? " or " + options.transactionLimit() + " transactions per client" : "");
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
        return new DriverResult(workload.name(), startedAt, Stats.seconds(end - start), options.clients(),
                stats.results(), workload.perMinuteType(), stats.failures(), stats.connectFailures(), intervals);
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
