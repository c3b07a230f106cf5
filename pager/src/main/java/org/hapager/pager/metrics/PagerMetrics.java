package org.hapager.pager.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hapager.pager.PageIoException;
import org.hapager.wire.OpCode;

/**
 * The client's meters. Names are Micrometer's dotted form; the Prometheus registry renders them as
 * {@code hapager_pager_io_seconds{op,outcome}}, {@code hapager_pager_inflight},
 * {@code hapager_pager_bytes_total{direction}}, {@code hapager_pager_submit_wait_seconds},
 * {@code hapager_pager_connections_total{event}}, {@code hapager_pager_failovers_total},
 * {@code hapager_pager_reissues_total{window}}, {@code hapager_pager_failover_stall_seconds} and
 * {@code hapager_lease_expirations_total}. Meters are created once, so recording allocates nothing.
 */
public final class PagerMetrics {

    /** The failure windows of FIG. 5 in which a request can be caught by the loss of its server. */
    public enum Window {
        /** Not yet sent (step 504): it just goes to the next server. */
        BEFORE_SEND,
        /** Sent, not yet accepted (step 502): no reference existed. */
        BEFORE_ACCEPT,
        /** Accepted, not completed (step 506): unreferenced while in progress. */
        AFTER_ACCEPT,
        /**
         * Completed, reference not yet released (step 508). Completion and release travel in one message
         * here, so this count stays 0; it is kept so dashboards show every window of the patent.
         */
        AFTER_COMPLETION;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final String OK = "ok";

    private final MeterRegistry registry;
    /** [op][0] for success, [op][kind + 1] for each failure kind (null until the first). */
    private final Timer[][] io;
    private final Counter bytesRead;
    private final Counter bytesWritten;
    private final Timer submitWait;
    private final Counter connectionsReady;
    private final Counter connectionsLost;
    private final Counter[] reissues = new Counter[Window.values().length];
    private final Counter failovers;
    private final Counter leaseExpirations;
    private final Timer failoverStall;
    private final Gauge inflightGauge;

    public PagerMetrics(MeterRegistry registry, Supplier<Number> inflight) {
        OpCode[] ops = OpCode.values();
        PageIoException.Kind[] kinds = PageIoException.Kind.values();
        this.registry = registry;
        io = new Timer[ops.length][kinds.length + 1];
        for (OpCode op : ops) {
            io[op.ordinal()][0] = ioTimer(registry, op, OK);
        }
        inflightGauge = Gauge.builder("hapager.pager.inflight", inflight).description("requests submitted and not yet completed")
                .register(registry);
        bytesRead = Counter.builder("hapager.pager.bytes").tag("direction", "read").baseUnit("bytes")
                .description("page bytes transferred").register(registry);
        bytesWritten = Counter.builder("hapager.pager.bytes").tag("direction", "written").baseUnit("bytes")
                .description("page bytes transferred").register(registry);
        submitWait = Timer.builder("hapager.pager.submit.wait")
                .description("time callers waited for room in flight (backpressure)").register(registry);
        connectionsReady = Counter.builder("hapager.pager.connections").tag("event", "ready")
                .description("server sessions established and lost").register(registry);
        connectionsLost = Counter.builder("hapager.pager.connections").tag("event", "lost")
                .description("server sessions established and lost").register(registry);
        for (Window w : Window.values()) {
            reissues[w.ordinal()] = Counter.builder("hapager.pager.reissues").tag("window", w.tag())
                    .description("requests issued again to another server, by the failure window that caught them")
                    .register(registry);
        }
        failovers = Counter.builder("hapager.pager.failovers")
                .description("switches of the serving page server").register(registry);
        leaseExpirations = Counter.builder("hapager.lease.expirations")
                .description("server sessions given up because nothing was heard within the lease").register(registry);
        failoverStall = Timer.builder("hapager.pager.failover.stall")
                .description("from the loss of a server to the first completion of a reissued request")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    public void reissued(Window window) {
        reissues[window.ordinal()].increment();
    }

    public void reissued(Window window, int count) {
        reissues[window.ordinal()].increment(count);
    }

    public void failoverStall(long nanos) {
        failoverStall.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void failover() {
        failovers.increment();
    }

    public void leaseExpired() {
        leaseExpirations.increment();
    }

    /**
     * Every timer of this name publishes the same percentile histogram, bounded to 20 us - 10 s (about 50
     * buckets): Prometheus registries cannot render one name whose timers disagree on having a histogram
     * (micrometer#5150), and the scrape fails as a whole.
     */
    private static Timer ioTimer(MeterRegistry registry, OpCode op, String outcome) {
        return Timer.builder("hapager.pager.io").description("page I/O requests from submit to completion")
                .tag("op", op.tag()).tag("outcome", outcome)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(20_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /**
     * Timers of successful requests exist from the start; those of a failure kind are registered when the
     * first such failure completes (idempotent and thread-safe), so a scrape carries no empty histograms of
     * failures that never happened.
     */
    public void completed(OpCode op, PageIoException.Kind failure, long nanos) {
        Timer t;
        if (failure == null) {
            t = io[op.ordinal()][0];
        } else {
            t = io[op.ordinal()][failure.ordinal() + 1];
            if (t == null) {
                t = ioTimer(registry, op, failure.name().toLowerCase(Locale.ROOT));
                io[op.ordinal()][failure.ordinal() + 1] = t; // a benign race: both writers store the same timer
            }
        }
        t.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void bytesRead(long bytes) {
        bytesRead.increment(bytes);
    }

    public void bytesWritten(long bytes) {
        bytesWritten.increment(bytes);
    }

    public void submitWaited(long nanos) {
        submitWait.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void connectionReady() {
        connectionsReady.increment();
    }

    public void connectionLost() {
        connectionsLost.increment();
    }

    /** Removes the gauges, which sample the closing client; counters and timers stay for its successor. */
    public void removeGauges(MeterRegistry registry) {
        registry.remove(inflightGauge);
    }
}
