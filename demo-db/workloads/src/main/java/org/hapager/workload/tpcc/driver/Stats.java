package org.hapager.workload.tpcc.driver;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.hapager.workload.tpcc.transactions.TransactionType;
import org.hapager.workload.tpcc.transactions.TxResult;

/**
 * Counts and latencies of a run. Terminals record concurrently (wait-free HdrHistogram recorders, adders);
 * one reporter thread takes interval snapshots and owns the cumulative histograms.
 */
final class Stats {

    /** Latencies are recorded in microseconds, up to an hour, three significant digits. */
    private static final long MAX_MICROS = TimeUnit.HOURS.toMicros(1);

    private final Map<TransactionType, PerType> perType = new EnumMap<>(TransactionType.class);
    private final List<FailureInfo> failures = new ArrayList<>();
    private final LongAdder connectFailures = new LongAdder();
    private final int failuresKept;
    private final long startNanos;
    private final Histogram intervalAll = new Histogram(MAX_MICROS, 3);
    private long lastSnapshotNanos;
    private long lastNewOrders;
    private long lastCompleted;
    private long lastFailures;
    private long lastRetries;

    Stats(MeterRegistry registry, int failuresKept, long startNanos) {
        this.failuresKept = failuresKept;
        this.startNanos = startNanos;
        this.lastSnapshotNanos = startNanos;
        for (TransactionType t : TransactionType.values()) {
            perType.put(t, new PerType(t, registry));
        }
    }

    void completed(TransactionType type, TxResult result, long nanos) {
        PerType p = perType.get(type);
        p.recorder.recordValue(Math.min(MAX_MICROS, Math.max(1, nanos / 1000)));
        if (result.outcome() == TxResult.Outcome.COMMITTED) {
            p.committed.increment();
        } else {
            p.rolledBack.increment();
        }
        if (result.skippedDeliveries() > 0) {
            p.skipped.add(result.skippedDeliveries());
        }
        if (p.timers != null) {
            p.timers[result.outcome().ordinal()].record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    void retried(TransactionType type) {
        PerType p = perType.get(type);
        p.retries.increment();
        if (p.retryCounter != null) {
            p.retryCounter.increment();
        }
    }

    void failed(TransactionType type, Throwable error, long nanos) {
        PerType p = perType.get(type);
        p.failures.increment();
        if (p.timers != null) {
            p.timers[2].record(nanos, TimeUnit.NANOSECONDS);
        }
        remember(type.tag(), error);
    }

    void connectFailed(Throwable error) {
        connectFailures.increment();
        remember("connect", error);
    }

    private void remember(String type, Throwable error) {
        synchronized (failures) {
            if (failures.size() < failuresKept) {
                StringWriter sw = new StringWriter();
                error.printStackTrace(new PrintWriter(sw));
                String state = error instanceof SQLException s ? s.getSQLState() : null;
                failures.add(new FailureInfo(type, seconds(System.nanoTime() - startNanos), state,
                        error.getClass().getName() + ": " + error.getMessage(), sw.toString()));
            }
        }
    }

    List<FailureInfo> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    long totalFailures() {
        long n = connectFailures.sum();
        for (PerType p : perType.values()) {
            n += p.failures.sum();
        }
        return n;
    }

    long totalRetries() {
        long n = 0;
        for (PerType p : perType.values()) {
            n += p.retries.sum();
        }
        return n;
    }

    private long totalCompleted() {
        long n = 0;
        for (PerType p : perType.values()) {
            n += p.committed.sum() + p.rolledBack.sum();
        }
        return n;
    }

    /** The interval since the last snapshot; reporter thread only. */
    Snapshot snapshot(long nowNanos) {
        intervalAll.reset();
        for (PerType p : perType.values()) {
            p.interval = p.recorder.getIntervalHistogram(p.interval);
            p.cumulative.add(p.interval);
            intervalAll.add(p.interval);
        }
        long newOrders = perType.get(TransactionType.NEW_ORDER).committed.sum();
        long completed = totalCompleted();
        long fails = totalFailures();
        long retries = totalRetries();
        double secs = Math.max(1e-9, seconds(nowNanos - lastSnapshotNanos));
        boolean any = intervalAll.getTotalCount() > 0;
        Snapshot s = new Snapshot(seconds(nowNanos - startNanos), secs, (newOrders - lastNewOrders) * 60.0 / secs,
                (completed - lastCompleted) / secs, any ? intervalAll.getMean() / 1000.0 : 0,
                any ? intervalAll.getValueAtPercentile(99) / 1000.0 : 0, fails - lastFailures,
                retries - lastRetries, fails, retries);
        lastSnapshotNanos = nowNanos;
        lastNewOrders = newOrders;
        lastCompleted = completed;
        lastFailures = fails;
        lastRetries = retries;
        return s;
    }

    /** Per-type totals; call after the last {@link #snapshot}, when no terminal runs. */
    Map<TransactionType, TypeResult> results() {
        Map<TransactionType, TypeResult> m = new EnumMap<>(TransactionType.class);
        for (PerType p : perType.values()) {
            Histogram h = p.cumulative;
            TypeResult.Latency lat = h.getTotalCount() == 0
                    ? new TypeResult.Latency(0, 0, 0, 0, 0, 0, 0, 0)
                    : new TypeResult.Latency(h.getTotalCount(), h.getMean() / 1000.0, ms(h, 50), ms(h, 90),
                            ms(h, 95), ms(h, 99), ms(h, 99.9), h.getMaxValue() / 1000.0);
            m.put(p.type, new TypeResult(p.type, p.committed.sum(), p.rolledBack.sum(), p.retries.sum(),
                    p.failures.sum(), p.skipped.sum(), lat));
        }
        return m;
    }

    long connectFailures() {
        return connectFailures.sum();
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static final class PerType {
        final TransactionType type;
        final Recorder recorder = new Recorder(MAX_MICROS, 3);
        final Histogram cumulative = new Histogram(MAX_MICROS, 3);
        Histogram interval;
        final LongAdder committed = new LongAdder();
        final LongAdder rolledBack = new LongAdder();
        final LongAdder retries = new LongAdder();
        final LongAdder failures = new LongAdder();
        final LongAdder skipped = new LongAdder();
        /** Indexed by outcome: committed, rolled_back, failed. Null without a registry. */
        final Timer[] timers;
        final Counter retryCounter;

        PerType(TransactionType type, MeterRegistry registry) {
            this.type = type;
            if (registry == null) {
                timers = null;
                retryCounter = null;
                return;
            }
            String[] outcomes = {TxResult.Outcome.COMMITTED.tag(), TxResult.Outcome.EXPECTED_ROLLBACK.tag(), "failed"};
            timers = new Timer[outcomes.length];
            for (int i = 0; i < outcomes.length; i++) {
                timers[i] = Timer.builder("hapager.workload.transaction")
                        .description("TPC-C transactions by type and outcome, retries included in the time")
                        .tag("type", type.tag()).tag("outcome", outcomes[i])
                        .register(registry);
            }
            retryCounter = Counter.builder("hapager.workload.transaction.retries")
                    .description("deadlock victims and lock time-outs rolled back and retried")
                    .tag("type", type.tag()).register(registry);
        }
    }
}
