package org.hapager.pager.record;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hapager.pager.PageIoException;
import org.hapager.wire.OpCode;

/**
 * The client's meters. Names are Micrometer's dotted form; the Prometheus registry renders them as
 * {@code hapager_pager_io_seconds{op,outcome}}, {@code hapager_pager_inflight},
 * {@code hapager_pager_bytes_total{direction}}, {@code hapager_pager_submit_wait_seconds} and
 * {@code hapager_pager_connections_total{event}}. Timers are created once, so recording allocates nothing.
 */
public final class PagerMetrics {

    private static final String OK = "ok";

    private final Timer[][] io;
    private final Counter bytesRead;
    private final Counter bytesWritten;
    private final Timer submitWait;
    private final Counter connectionsReady;
    private final Counter connectionsLost;

    public PagerMetrics(MeterRegistry registry, Supplier<Number> inflight) {
        OpCode[] ops = OpCode.values();
        PageIoException.Kind[] kinds = PageIoException.Kind.values();
        io = new Timer[ops.length][kinds.length + 1];
        for (OpCode op : ops) {
            io[op.ordinal()][0] = ioTimer(registry, op, OK);
            for (PageIoException.Kind kind : kinds) {
                io[op.ordinal()][kind.ordinal() + 1] = ioTimer(registry, op, kind.name().toLowerCase(Locale.ROOT));
            }
        }
        Gauge.builder("hapager.pager.inflight", inflight).description("requests submitted and not yet completed")
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
    }

    private static Timer ioTimer(MeterRegistry registry, OpCode op, String outcome) {
        return Timer.builder("hapager.pager.io").description("page I/O requests from submit to completion")
                .tag("op", op.tag()).tag("outcome", outcome)
                .publishPercentileHistogram(op == OpCode.READ || op == OpCode.WRITE)
                .register(registry);
    }

    void completed(OpCode op, PageIoException.Kind failure, long nanos) {
        io[op.ordinal()][failure == null ? 0 : failure.ordinal() + 1].record(nanos, TimeUnit.NANOSECONDS);
    }

    void bytesRead(long bytes) {
        bytesRead.increment(bytes);
    }

    void bytesWritten(long bytes) {
        bytesWritten.increment(bytes);
    }

    public void submitWaited(long nanos) {
        submitWait.record(nanos, TimeUnit.NANOSECONDS);
    }

    void connectionReady() {
        connectionsReady.increment();
    }

    void connectionLost() {
        connectionsLost.increment();
    }
}
