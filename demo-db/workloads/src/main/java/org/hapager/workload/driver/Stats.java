package org.hapager.workload.driver;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counts and latencies of a run. Terminals record concurrently (wait-free HdrHistogram recorders, adders);
 * one reporter thread takes interval snapshots and owns the cumulative histograms.
 */
final class Stats {

    /** Latencies are recorded in microseconds, up to an hour, three significant digits. */
    private static final long MAX_MICROS = TimeUnit.HOURS.toMicros(1);

    private final List<PerType> perType = new ArrayList<>();
    private final int perMinuteType;
    private final List<FailureInfo> failures = new ArrayList<>();
    private final LongAdder connectFailures = new LongAdder();
    private final int failuresKept;
    private final long startNanos;
    private final Histogram intervalAll = new Histogram(MAX_MICROS, 3);
    private long lastSnapshotNanos;
    private long lastPerMinute;
    private long lastCompleted;
    private long lastFailures;
    private long lastRetries;

    Stats(Workload workload, MeterRegistry registry, int failuresKept, long startNanos) {
        this.failuresKept = failuresKept;
        this.startNanos = startNanos;
        this.lastSnapshotNanos = startNanos;
        this.perMinuteType = workload.perMinuteType();
        for (String t : workload.types()) {
            perType.add(new PerType(workload.name(), t, registry));
        }
    }

    void completed(int type, boolean committed, long nanos) {
        PerType p = perType.get(type);
        p.recorder.recordValue(Math.min(MAX_MICROS, Math.max(1, nanos / 1000)));
        (committed ? p.committed : p.rolledBack).increment();
        if (p.timers != null) {
            p.timers[committed ? 0 : 1].record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    void retried(int type) {
        PerType p = perType.get(type);
        p.retries.increment();
        if (p.retryCounter != null) {
            p.retryCounter.increment();
        }
    }

    void failed(int type, Throwable error, long nanos) {
        PerType p = perType.get(type);
        p.failures.increment();
        if (p.timers != null) {
            p.timers[2].record(nanos, TimeUnit.NANOSECONDS);
        }
        remember(p.type, error);
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
        for (PerType p : perType) {
            n += p.failures.sum();
        }
        return n;
    }

    long totalRetries() {
        long n = 0;
        for (PerType p : perType) {
            n += p.retries.sum();
        }
        return n;
    }

    private long totalCompleted() {
        long n = 0;
        for (PerType p : perType) {
            n += p.committed.sum() + p.rolledBack.sum();
        }
        return n;
    }

    /** The interval since the last snapshot; reporter thread only. */
    Snapshot snapshot(long nowNanos) {
        intervalAll.reset();
        for (PerType p : perType) {
            p.interval = p.recorder.getIntervalHistogram(p.interval);
            p.cumulative.add(p.interval);
            intervalAll.add(p.interval);
        }
        long perMinute = perMinuteType < 0 ? 0 : perType.get(perMinuteType).committed.sum();
        long completed = totalCompleted();
        long fails = totalFailures();
        long retries = totalRetries();
        double secs = Math.max(1e-9, seconds(nowNanos - lastSnapshotNanos));
        boolean any = intervalAll.getTotalCount() > 0;
        Snapshot s = new Snapshot(seconds(nowNanos - startNanos), secs, 
                perMinuteType < 0 ? Double.NaN : (perMinute - lastPerMinute) * 60.0 / secs,
                (completed - lastCompleted) / secs, any ? intervalAll.getMean() / 1000.0 : 0,
                any ? intervalAll.getValueAtPercentile(99) / 1000.0 : 0, fails - lastFailures,
                retries - lastRetries, fails, retries);
        lastSnapshotNanos = nowNanos;
        lastPerMinute = perMinute;
        lastCompleted = completed;
        lastFailures = fails;
        lastRetries = retries;
        return s;
    }

    /** Per-type totals; call after the last {@link #snapshot}, when no terminal runs. */
    List<TypeResult> results() {
        List<TypeResult> m = new ArrayList<>();
        for (PerType p : perType) {
            Histogram h = p.cumulative;
            TypeResult.Latency lat = h.getTotalCount() == 0
                    ? new TypeResult.Latency(0, 0, 0, 0, 0, 0, 0, 0)
                    : new TypeResult.Latency(h.getTotalCount(), h.getMean() / 1000.0, ms(h, 50), ms(h, 90),
                            ms(h, 95), ms(h, 99), ms(h, 99.9), h.getMaxValue() / 1000.0);
            m.add(new TypeResult(p.type, p.committed.sum(), p.rolledBack.sum(), p.retries.sum(),
                    p.failures.sum(), lat));
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
        final String type;
        final Recorder recorder = new Recorder(MAX_MICROS, 3);
        final Histogram cumulative = new Histogram(MAX_MICROS, 3);
        Histogram interval;
        final LongAdder committed = new LongAdder();
        final LongAdder rolledBack = new LongAdder();
        final LongAdder retries = new LongAdder();
        final LongAdder failures = new LongAdder();
        /** Indexed by outcome: committed, rolled_back, failed. Null without a registry. */
        final Timer[] timers;
        final Counter retryCounter;

        PerType(String workload, String type, MeterRegistry registry) {
            this.type = type;
            if (registry == null) {
                timers = null;
                retryCounter = null;
                return;
            }
            String[] outcomes = {"committed", "rolled_back", "failed"};
            timers = new Timer[outcomes.length];
            for (int i = 0; i < outcomes.length; i++) {
                timers[i] = Timer.builder("hapager.workload.transaction")
                        .description("workload transactions by type and outcome, retries included in the time")
                        .tag("workload", workload).tag("type", type).tag("outcome", outcomes[i])
                        .register(registry);
            }
            retryCounter = Counter.builder("hapager.workload.transaction.retries")
                    .description("deadlock victims and lock time-outs rolled back and retried")
                    .tag("workload", workload).tag("type", type).register(registry);
        }
    }
}
