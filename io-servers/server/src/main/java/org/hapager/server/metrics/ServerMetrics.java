package org.hapager.server.metrics;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hapager.wire.OpCode;
import org.hapager.wire.Status;

/**
 * Every meter of the page server, with Prometheus-style names:
 * <ul>
 * <li>{@code hapager.server.requests{op,status}} → {@code hapager_server_requests_total}</li>
 * <li>{@code hapager.server.request{op}} → {@code hapager_server_request_seconds}</li>
 * <li>{@code hapager.server.fsync} → {@code hapager_server_fsync_seconds}: one sample per group-commit force</li>
 * <li>{@code hapager.server.fsync.batch}: writes made durable by one force</li>
 * <li>{@code hapager.server.inflight}, {@code hapager.server.sessions}: gauges</li>
 * <li>{@code hapager.server.bytes{direction=read|written}} → {@code hapager_server_bytes_total}</li>
 * <li>{@code hapager.server.rejected.connections{reason}} → {@code hapager_server_rejected_connections_total}</li>
 * <li>{@code hapager.server.fence{outcome=yielded|fenced|failed|free}} → {@code hapager_server_fence_seconds}: one
 *     sample per acquisition of the storage reservation</li>
 * <li>{@code hapager.server.reservation.held}: 1 while this server holds the reservation, else 0</li>
 * <li>{@code hapager.server.yields} → {@code hapager_server_yields_total}: reservations this server yielded to a peer</li>
 * </ul>
 * Thread-safe: meters are looked up through the registry (which caches them) or held in fields.
 */
public final class ServerMetrics {

    /**
     * Why a connection was closed by the server. {@code UNAUTHENTICATED_LIMIT}: refused on arrival, because
     * {@code --max-unauthenticated} connections were already awaiting authentication; {@code NOT_A_PEER}: a YIELD
     * from a connection that authenticated as a client, not as a page server.
     */
    public enum Rejection {
        PROTOCOL, AUTH, VERSION, OVERLOAD, LEASE, HANDSHAKE_TIMEOUT, UNAUTHENTICATED_LIMIT, NOT_A_PEER, STALLED;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final Timer fsync;
    private final DistributionSummary fsyncBatch;
    private final Counter bytesRead;
    private final Counter bytesWritten;
    private final AtomicInteger inflight = new AtomicInteger();
    private final AtomicInteger sessions = new AtomicInteger();
    private final AtomicInteger pausedSessions = new AtomicInteger();
    private final AtomicInteger reservationHeld = new AtomicInteger();
    private final Counter yields;
    private final Counter[][] requests;
    private final Timer[] requestTimers;

    public ServerMetrics(MeterRegistry registry) {
        this.registry = registry;
        // jvm_memory_used_bytes, jvm_buffer_memory_used_bytes{id="direct"}: what the buffer budget bounds
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider allocator) {
            Gauge.builder("hapager.server.netty.direct.bytes", allocator, a -> a.metric().usedDirectMemory())
                    .description("Direct memory Netty's allocator holds for the connections, in use or kept for reuse")
                    .strongReference(true).register(registry);
        }
        this.fsync = Timer.builder("hapager.server.fsync")
                .description("One group-commit force of one file").register(registry);
        this.fsyncBatch = DistributionSummary.builder("hapager.server.fsync.batch")
                .description("Writes made durable by one force").register(registry);
        this.bytesRead = Counter.builder("hapager.server.bytes").tag("direction", "read").register(registry);
        this.bytesWritten = Counter.builder("hapager.server.bytes").tag("direction", "written").register(registry);
        Gauge.builder("hapager.server.inflight", inflight, AtomicInteger::get)
                .description("Requests accepted and not yet completed, all sessions").register(registry);
        Gauge.builder("hapager.server.paused.sessions", pausedSessions, AtomicInteger::get)
                .description("Connections not being read: their answers are not taken, or the buffer budget is spent")
                .register(registry);
        Gauge.builder("hapager.server.sessions", sessions, AtomicInteger::get)
                .description("Open client connections").register(registry);
        Gauge.builder("hapager.server.reservation.held", reservationHeld, AtomicInteger::get)
                .description("1 while this server holds the reservation of the shared storage").register(registry);
        this.yields = Counter.builder("hapager.server.yields")
                .description("Reservations this server yielded to a peer").register(registry);
        this.requests = new Counter[OpCode.values().length][Status.values().length];
        this.requestTimers = new Timer[OpCode.values().length];
        for (OpCode op : OpCode.values()) {
            requestTimers[op.ordinal()] = Timer.builder("hapager.server.request").tag("op", op.tag()).register(registry);
            for (Status status : Status.values()) {
                requests[op.ordinal()][status.ordinal()] = registry.counter("hapager.server.requests",
                        "op", op.tag(), "status", status.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Counts and times one request; the meters were made up front, so this allocates nothing. */
    public void requestCompleted(OpCode op, Status status, long elapsedNanos) {
        requests[op.ordinal()][status.ordinal()].increment();
        requestTimers[op.ordinal()].record(elapsedNanos, TimeUnit.NANOSECONDS);
    }

    public void fsync(long elapsedNanos, int writes) {
        fsync.record(elapsedNanos, TimeUnit.NANOSECONDS);
        fsyncBatch.record(writes);
    }

    public void bytesRead(long bytes) {
        bytesRead.increment(bytes);
    }

    public void bytesWritten(long bytes) {
        bytesWritten.increment(bytes);
    }

    public void requestAccepted() {
        inflight.incrementAndGet();
    }

    public void requestReleased() {
        inflight.decrementAndGet();
    }

    /** A session stopped (true) or started again (false) reading its socket. */
    public void sessionPaused(boolean paused) {
        pausedSessions.addAndGet(paused ? 1 : -1);
    }

    /** Exports the bytes held of the sessions' buffer budget. */
    public void bufferBudget(java.util.function.LongSupplier usedBytes) {
        Gauge.builder("hapager.server.buffered.bytes", usedBytes, s -> (double) s.getAsLong())
                .description("Payload bytes held by requests executing or answers not yet flushed, all sessions")
                .strongReference(true)
                .register(registry);
    }

    public void sessionOpened() {
        sessions.incrementAndGet();
    }

    public void sessionClosed() {
        sessions.decrementAndGet();
    }

    public void connectionRejected(Rejection reason) {
        registry.counter("hapager.server.rejected.connections", "reason", reason.tag()).increment();
    }

    /** One acquisition of the reservation; {@code outcome} is yielded, fenced, failed or free. */
    public void fence(String outcome, long elapsedNanos) {
        Timer.builder("hapager.server.fence").tag("outcome", outcome)
                .description("Acquisitions of the storage reservation").register(registry)
                .record(elapsedNanos, TimeUnit.NANOSECONDS);
    }

    public void reservationHeld(boolean held) {
        reservationHeld.set(held ? 1 : 0);
    }

    public void yieldGranted() {
        yields.increment();
    }
}
