package org.hapager.server.session;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.hapager.server.session.SessionHandler.Admitted;
import org.hapager.wire.FrameAdmission;
import org.hapager.wire.FrameDecoder;
import org.hapager.wire.Op;
import org.hapager.wire.WireLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's part of the server's {@link BufferBudget} and the backpressure it puts on its client: the
 * accepted requests waiting for the budget, the bytes the connection holds, whether its socket is read, and the
 * look for connections that hold budget without progress. {@link SessionHandler} owns the states and the requests
 * in flight; it hands each accepted request here ({@link #submit}), which starts it ({@code start}) once its bytes
 * fit, and gives its bytes back once its COMPLETION is flushed or dropped ({@link #releaseRequest}).
 * <ol>
 * <li>A started request holds its {@link #cost} of the budget from its start until its COMPLETION is flushed to the
 *     socket or dropped ({@code heldBytes} is the sum). Accepted requests start in arrival order, as far as this
 *     connection's share and then the server's let them ({@link #runPending}).</li>
 * <li>The socket is read only while the channel is writable and no accepted request waits for the budget
 *     ({@code paused}, {@link #updateReading}); so a client that does not read its answers stops being read, and
 *     what waits for it is bounded by its share of the budget.</li>
 * <li>Once authenticated, a frame longer than a handshake frame holds its length of the budget from its length
 *     prefix until it is decoded ({@link #admit}); without room the connection is not read either.</li>
 * <li>A session that waits for the budget closes the sessions that held budget without progress (answers unread,
 *     a frame unfinished while read) for the stall timeout ({@link #evictStalled}, {@link #stalledNanos},
 *     {@link SessionHandler#evictIfStalled}).</li>
 * </ol>
 * Like its session's, every field is read and written only on the channel's event loop, except the two
 * {@code ...SinceNanos}, which other sessions' threads read ({@link #stalledNanos}).
 */
final class ConnectionBackpressure implements FrameAdmission {

    /** The session's logger: these lines are the session's. */
    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);
    /** Budget held by any request beyond its pages: its frames and bookkeeping. */
    static final long REQUEST_OVERHEAD_BYTES = 256;

    private final Sessions sessions;
    private final BufferBudget budget;
    private final WireLimits limits;
    private final BooleanSupplier closed;
    private final LongSupplier sessionId;
    private final Consumer<Admitted> start;

    private ChannelHandlerContext ctx;
    /** Accepted and waiting for the buffer budget, in arrival order. */
    private final ArrayDeque<Admitted> pending = new ArrayDeque<>();
    /** Budget bytes this session holds: its executing requests and its unflushed completions. */
    private long heldBytes;
    /** Registered with the budget to be woken by the next release: for a pending request, for a frame. */
    private boolean awaitingBudget;
    private boolean awaitingFrameBudget;
    /** The decoder admitted a frame it is still receiving (see {@link #admit}). */
    private boolean frameInProgress;
    /** Not reading the socket: answers are not being taken or the budget is spent (see {@link #updateReading}). */
    private boolean paused;
    /** While waiting for the budget: the next look for stalled connections to evict. */
    private ScheduledFuture<?> stallCheck;
    /**
     * When the channel last became unwritable (its answers not being read) while holding budget, or -1; read by
     * other sessions' threads in {@link Sessions#evictStalled}.
     */
    private volatile long stalledSinceNanos = -1;
    /** When this connection, being read, started a frame it has not finished, or -1 (read like the above). */
    private volatile long frameSinceNanos = -1;

    /**
     * @param limits    for a listing's {@link #cost}
     * @param closed    whether the session is CLOSED: nothing is started or read any more
     * @param sessionId the session's id, for log lines
     * @param start     runs an accepted request whose budget is reserved
     */
    ConnectionBackpressure(Sessions sessions, WireLimits limits, BooleanSupplier closed, LongSupplier sessionId,
                           Consumer<Admitted> start) {
        this.sessions = sessions;
        this.budget = sessions.budget();
        this.limits = limits;
        this.closed = closed;
        this.sessionId = sessionId;
        this.start = start;
    }

    /** The connection is active: {@code ctx} is its session's context. */
    void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Not reading the socket (see {@link #updateReading}). */
    boolean paused() {
        return paused;
    }

    /** Accepted requests that wait for the budget and hold none of it. */
    int waiting() {
        return pending.size();
    }

    /**
     * What a request holds of the buffer budget while it runs: its pages (a write's arrived with it, a read's
     * go back in its completion), a listing's largest answer, and a little for the frames.
     */
    long cost(Op op) {
        long payload = 0;
        if (op instanceof Op.Read r) {
            payload = (long) r.pageSize() * r.pageCount();
        } else if (op instanceof Op.Write w) {
            payload = w.data().remaining();
        } else if (op instanceof Op.CompareAndWrite c) {
            payload = 3L * c.pageSize(); // the two pages it arrived with and the page it may answer with
        } else if (op instanceof Op.List) {
            payload = limits.maxIoBytes();
        }
        return payload + REQUEST_OVERHEAD_BYTES;
    }

    /** An accepted request: it waits behind the others, and starts as soon as the budget lets it. */
    void submit(Admitted request) {
        pending.add(request);
        runPending();
    }

    /**
     * Starts the accepted requests, in arrival order, as far as the budget lets: this connection's share first
     * (a connection that holds nothing may always start one request), then the server's. A request that does
     * not fit waits here; the connection stops reading until it runs ({@link #updateReading}).
     */
    void runPending() {
        while (!pending.isEmpty() && !closed.getAsBoolean() && !awaitingBudget) {
            Admitted next = pending.peek();
            if (heldBytes > 0 && heldBytes + next.cost() > budget.maxConnectionBytes()) {
                break; // woken by this connection's own flushes
            }
            if (!budget.reserveOrWait(next.cost(), this::budgetReleased)) {
                awaitingBudget = true;
                evictStalled();
                break;
            }
            pending.poll();
            heldBytes += next.cost();
            start.accept(next);
        }
        updateReading();
    }

    /** A started request's completion was flushed or dropped: its bytes go back to the budget. */
    void releaseRequest(Admitted request) {
        heldBytes -= request.cost();
        budget.release(request.cost());
    }

    /**
     * Waiting for the budget: closes the connections whose answers have gone unread for the stall timeout, which
     * gives their budget back, and looks again while the wait lasts. A client that does not read can hold the
     * budget from others for that long at most.
     */
    private void evictStalled() {
        if (closed.getAsBoolean() || !(awaitingBudget || awaitingFrameBudget)) {
            return;
        }
        sessions.evictStalled(ctx.executor().ticker().nanoTime(), budget.stallTimeoutNanos());
        if (stallCheck != null) {
            stallCheck.cancel(false); // one look scheduled at a time, however many waits asked for it
        }
        stallCheck = ctx.executor().schedule(this::evictStalled, budget.stallTimeoutNanos() / 4 + 1, TimeUnit.NANOSECONDS);
    }

    /**
     * How long this connection has held budget without progress: its answers unread, or a frame it is sending
     * unfinished while this server reads it; 0 if neither. Called from any thread.
     */
    long stalledNanos(long nowNanos) {
        long answers = stalledSinceNanos;
        long frame = frameSinceNanos;
        return Math.max(answers < 0 ? 0 : nowNanos - answers, frame < 0 ? 0 : nowNanos - frame);
    }

    /** From the thread that released budget: try again on this connection's event loop. */
    private void budgetReleased() {
        try {
            ctx.executor().execute(() -> {
                awaitingBudget = false;
                cancelStallCheck();
                runPending();
            });
        } catch (RejectedExecutionException e) {
            log.debug("session {}: budget wake-up dropped: event loop stopped", sessionId.getAsLong());
        }
    }

    private void cancelStallCheck() {
        if (stallCheck != null && !awaitingBudget && !awaitingFrameBudget) {
            stallCheck.cancel(false);
        }
    }

    /**
     * Reads the socket only while this connection's answers are being taken (the channel is writable), no
     * accepted request waits for the budget and the frame it is sending has room: a client that does not read
     * its answers gets no more of them.
     */
    void updateReading() {
        boolean writable = ctx.channel().isWritable();
        long now = ctx.executor().ticker().nanoTime();
        boolean stalled = !closed.getAsBoolean() && !writable && heldBytes > 0;
        if (stalled != (stalledSinceNanos >= 0)) {
            stalledSinceNanos = stalled ? now : -1;
        }
        boolean pause = !closed.getAsBoolean() && (!pending.isEmpty() || !writable || awaitingFrameBudget);
        if (pause != paused) {
            paused = pause;
            ctx.channel().config().setAutoRead(!pause);
            sessions.metrics().sessionPaused(pause);
        }
        // an unfinished frame counts as stalled only while this server reads the connection
        boolean frameStalls = frameInProgress && !paused && !closed.getAsBoolean();
        if (frameStalls != (frameSinceNanos >= 0)) {
            frameSinceNanos = frameStalls ? now : -1;
        }
    }

    // ------------------------------------------------------------------ frame admission (FrameDecoder)

    /**
     * The decoder is about to receive a frame of {@code frameBytes}: it holds that much of the budget from now
     * until it is decoded. Without room, the connection stops being read until a release wakes it
     * ({@link #frameBudgetReleased}), and the decoder waits with what it has.
     */
    @Override
    public boolean admit(int frameBytes) {
        if (!budget.reserveOrWait(frameBytes, this::frameBudgetReleased)) {
            awaitingFrameBudget = true;
            evictStalled();
            updateReading();
            return false;
        }
        frameInProgress = true;
        updateReading();
        return true;
    }

    @Override
    public void release(int frameBytes) {
        frameInProgress = false;
        frameSinceNanos = -1;
        budget.release(frameBytes);
    }

    private void frameBudgetReleased() {
        try {
            ctx.executor().execute(() -> {
                awaitingFrameBudget = false;
                cancelStallCheck();
                if (closed.getAsBoolean()) {
                    return;
                }
                // still not reading: the decoder asks again, and only an admitted frame lets reading resume (waking
                // up and reading first would take in a chunk of every waiting frame at each release)
                FrameDecoder decoder = ctx.pipeline().get(FrameDecoder.class);
                if (decoder != null) {
                    decoder.retry(ctx);
                }
                updateReading();
            });
        } catch (RejectedExecutionException e) {
            log.debug("session {}: budget wake-up dropped: event loop stopped", sessionId.getAsLong());
        }
    }

    // ------------------------------------------------------------------ close

    /**
     * The session closed: the requests still waiting for the budget go to {@code notStarted} in arrival order
     * (they hold no budget), the socket no longer counts as paused, the look for stalled connections stops and
     * this connection no longer counts as stalled.
     */
    void close(Consumer<Admitted> notStarted) {
        for (Admitted never : pending) {
            notStarted.accept(never);
        }
        pending.clear();
        if (paused) {
            paused = false;
            sessions.metrics().sessionPaused(false);
        }
        if (stallCheck != null) {
            stallCheck.cancel(false);
        }
        stalledSinceNanos = -1;
        frameSinceNanos = -1;
    }
}
