package org.hapager.server.session;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.hapager.server.fault.FaultPoint;
import org.hapager.server.metrics.ServerMetrics.Rejection;
import org.hapager.server.store.IoErrors;
import org.hapager.server.store.StoreException;
import org.hapager.wire.FrameDecoder;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.OpCode;
import org.hapager.wire.Outcome;
import org.hapager.wire.Status;
import org.hapager.wire.WireText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: handshake, lease, and the requests it has accepted.
 *
 * <h2>States</h2>
 * <pre>
 *   AWAIT_HELLO ──HELLO──► AWAIT_AUTH ──AUTH ok──► SERVING ──drain──► DRAINING
 *        │                     │                     │                    │
 *        └── bad frame, bad magic/version/proof, handshake timeout, lease expiry, overload, close ──► CLOSED
 * </pre>
 * <ol>
 * <li>On arrival ({@link #channelActive}) the handshake starts: the connection counts as awaiting authentication,
 *     under the server's cap, reads only handshake-sized frames and has a deadline until AUTH_OK
 *     ({@link SessionHandshake}, which also holds what HELLO and AUTH are checked for).</li>
 * <li>AWAIT_HELLO: only HELLO is allowed. One that passes {@link SessionHandshake#checkHello} is answered with
 *     CHALLENGE ({@link #onHello}).</li>
 * <li>AWAIT_AUTH: only AUTH is allowed. One whose proof passes {@link SessionHandshake#checkAuth} makes the
 *     connection a CLIENT or a PEER (a page server). Then AUTH_OK with the clamped lease, the decoder's full
 *     frame bound, and the lease clock starts ({@link #onAuth}). Nothing is served before this.</li>
 * <li>SERVING: REQUEST, HEARTBEAT and, from a PEER only, YIELD (answered with YIELDED once the reservation
 *     decided, see {@link YieldHandler}; a CLIENT's YIELD → ERROR(PROTOCOL)). Each REQUEST is refused with
 *     ERROR(OVERLOAD) past {@code maxInflight}, with ERROR(PROTOCOL) if its id is already in flight; otherwise
 *     it is accepted, and the operation runs on the I/O threads once its bytes fit in the {@link BufferBudget}
 *     ({@link #onRequest}, {@link ConnectionBackpressure#runPending}). ACCEPTED goes out from a task queued at
 *     the end of the read, after the tasks the read's operations queued on the event loop, and only for a
 *     request whose COMPLETION was not written by then: a completion implies acceptance, so a request executed
 *     within the read (inline page I/O, a durable write forced on the event loop) costs one answer frame, not
 *     two ({@link #announceAccepted}). Every frame renews the lease; a lease that lapses sends
 *     ERROR(LEASE_EXPIRED) ({@link #checkLease}).</li>
 * <li>DRAINING ({@link #startDraining}): the server is stopping. DRAINING was sent; accepted requests still
 *     complete; new REQUESTs get COMPLETION(SHUTTING_DOWN) without being executed; YIELD is still answered.
 *     A test's fault point ({@code SessionSettings.faults}, asked once per REQUEST) may halt or freeze the
 *     process around a request ({@link #start}).</li>
 * <li>CLOSED ({@link #fail}, {@link #channelInactive}): nothing is read or sent any more (answers that
 *     hop back to the event loop, completions and YIELDED, check for it). Operations still
 *     running finish on the storage, but their completions are dropped: the client reissues them.</li>
 * </ol>
 * Once the server is fenced ({@link Sessions#fence}, after a failed flush of its storage) no completion is
 * delivered in any state, and every connection closes (a new one at once, in {@link #channelActive}).
 *
 * <h2>Invariants</h2>
 * <ol>
 * <li>Every field is read and written only on the channel's event loop; {@link #startDraining} and
 *     {@link #close} hop onto it, and so do completions from the I/O threads.</li>
 * <li>{@code inflight} holds exactly the ids that were accepted and whose COMPLETION has not been delivered
 *     or dropped; each of them counts once in {@link Sessions#inflight()}, released after the completion was
 *     flushed (or dropped), so a drain never closes a connection under a completion.</li>
 * <li>Any frame not allowed in the current state, and any decoder error, ends the connection with an ERROR frame
 *     and a WARN line naming the remote address, at most one per reason every few seconds server-wide
 *     ({@link Sessions#warnings()}); other connections are unaffected.</li>
 * <li>Strings from the wire (the client name, a YIELD's taker id and reason) reach log lines only through
 *     {@link WireText#escape}: one printable, bounded line, so no client can forge a log record.</li>
 * <li>The connection counts in {@link Sessions#unauthenticated()} from its arrival until AUTH_OK, its eviction
 *     or its close ({@link SessionHandshake}).</li>
 * <li>Backpressure: a request counts against {@code maxInflight} from ACCEPTED until its COMPLETION is flushed
 *     to the socket ({@code inflight} then {@code unflushed}), and holds its share of the budget from its start
 *     until then, as a frame being received does from its length prefix; the socket is read only while the
 *     client takes its answers and the budget has room, and a session waiting for the budget closes those that
 *     hold it without progress ({@link ConnectionBackpressure}, which holds these rules and the state only they
 *     need). Paused by the budget while writable, the lease does not run (the silence is this server's).</li>
 * </ol>
 */
public final class SessionHandler extends ChannelInboundHandlerAdapter {

    enum State { AWAIT_HELLO, AWAIT_AUTH, SERVING, DRAINING, CLOSED }

    /** Who authenticated: a client (the client token) or a peer page server (the peer token). */
    enum Role { NONE, CLIENT, PEER }

    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);

    private final SessionSettings settings;
    private final OpExecutor executor;
    private final YieldHandler yields;
    private final Sessions sessions;
    private final SessionHandshake handshake;
    private final ConnectionBackpressure backpressure;

    // ---- owned by the event loop
    private ChannelHandlerContext ctx;
    private State state = State.AWAIT_HELLO;
    private Role role = Role.NONE;
    /** From HELLO, escaped: for log lines only. */
    private String clientName = "";
    private long sessionId;
    private long leaseNanos;
    private long lastFrameNanos;
    private ScheduledFuture<?> leaseTimer;
    /** Accepted and not yet delivered (waiting for the budget, executing, or completed on the way back). */
    private final LongObjectHashMap<Admitted> inflight = new LongObjectHashMap<>();
    /** Accepted in this read, ACCEPTED not yet written: see {@link #announceAccepted}. */
    private final java.util.ArrayList<Admitted> unannounced = new java.util.ArrayList<>();
    /** {@link #announceAccepted} is queued and has not run yet. */
    private boolean announcing;
    /** Completions written and not yet flushed to the socket; they still count against {@code maxInflight}. */
    private int unflushed;

    /** A request accepted on this connection; {@code cost} is what it holds of the budget while it runs. */
    record Admitted(long id, Op op, FaultPoint fault, long cost) {
    }

    /** {@code executor} runs this connection's storage requests; {@code yields} answers a peer's YIELD. */
    public SessionHandler(SessionSettings settings, OpExecutor executor, YieldHandler yields, Sessions sessions) {
        this.settings = settings;
        this.executor = executor;
        this.yields = yields;
        this.sessions = sessions;
        this.handshake = new SessionHandshake(settings, sessions);
        this.backpressure = new ConnectionBackpressure(sessions, settings.limits(), () -> state == State.CLOSED,
                () -> sessionId, this::start);
    }

    State state() {
        return state;
    }

    Role role() {
        return role;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        backpressure.attach(ctx);
        sessions.add(this);
        if (sessions.isFenced()) { // checked after add: either this sees the fence or the fence sees this session
            enterClosed();
            ctx.close();
            return;
        }
        handshake.start(this, ctx, this::handshakeTimedOut);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state != State.CLOSED) {
            log.debug("session {} from {}: connection closed by the client in state {}", sessionId, remote(), state);
        }
        enterClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.CLOSED) {
            return;
        }
        if (!(msg instanceof Message message)) {
            fail(Message.Error.PROTOCOL, Rejection.PROTOCOL, "unexpected object " + msg.getClass().getName());
            return;
        }
        lastFrameNanos = ctx.executor().ticker().nanoTime();
        switch (state) {
            case AWAIT_HELLO -> {
                if (message instanceof Message.Hello hello) {
                    onHello(hello);
                } else {
                    fail(Message.Error.PROTOCOL, Rejection.PROTOCOL, message.type() + " before HELLO");
                }
            }
            case AWAIT_AUTH -> {
                if (message instanceof Message.Auth auth) {
                    onAuth(auth);
                } else {
                    fail(Message.Error.PROTOCOL, Rejection.PROTOCOL, message.type() + " while awaiting AUTH");
                }
            }
            case SERVING, DRAINING -> {
                if (message instanceof Message.Request request) {
                    onRequest(request);
                } else if (message instanceof Message.Heartbeat heartbeat) {
                    ctx.write(new Message.HeartbeatAck(heartbeat.sequence()));
                } else if (message instanceof Message.Yield yield) {
                    onYield(yield);
                } else {
                    fail(Message.Error.PROTOCOL, Rejection.PROTOCOL, message.type() + " is not allowed from a client");
                }
            }
            case CLOSED -> { }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        if (!unannounced.isEmpty() && !announcing) {
            // after the tasks the read's operations queued on this event loop (a durable write's force, see
            // VolumeStore#submit): a request they complete needs no ACCEPTED
            announcing = true;
            try {
                ctx.executor().execute(this::announceAccepted);
            } catch (RejectedExecutionException e) {
                log.debug("session {}: ACCEPTED not queued: event loop stopped", sessionId);
            }
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.CLOSED) {
            return;
        }
        if (cause instanceof DecoderException) {
            fail(Message.Error.PROTOCOL, Rejection.PROTOCOL, "bad frame: " + cause.getMessage());
        } else {
            sessions.warnings().info("connection failed", "session {} from {}: connection failed in state {}: {}",
                    sessionId, remote(), state, cause.toString());
            enterClosed();
            ctx.close();
        }
    }

    // ------------------------------------------------------------------ handshake

    private void onHello(Message.Hello hello) {
        clientName = WireText.escape(hello.clientName());
        SessionHandshake.Refusal refusal = handshake.checkHello(hello);
        if (refusal != null) {
            fail(refusal);
            return;
        }
        state = State.AWAIT_AUTH;
        ctx.write(handshake.challenge());
    }

    private void onAuth(Message.Auth auth) {
        SessionHandshake.Refusal refusal = handshake.checkAuth(auth);
        if (refusal != null) {
            fail(refusal);
            return;
        }
        role = handshake.role();
        if (role == Role.PEER) {
            sessions.authenticatedAsPeer(this);
        }
        handshake.end();
        FrameDecoder decoder = ctx.pipeline().get(FrameDecoder.class);
        if (decoder != null) {
            // from the next frame on: frames up to maxFrameBytes, admitted by the budget
            decoder.authenticated(backpressure);
        }
        sessionId = sessions.newSessionId();
        int leaseMillis = settings.clampLease(auth.leaseMillis());
        leaseNanos = TimeUnit.MILLISECONDS.toNanos(leaseMillis);
        state = State.SERVING;
        ctx.write(new Message.AuthOk(handshake.serverProof(), sessionId, leaseMillis, settings.maxInflight(),
                settings.limits().maxFrameBytes()));
        leaseTimer = ctx.executor().schedule(this::checkLease, leaseNanos, TimeUnit.NANOSECONDS);
        log.debug("session {} from {} ({}): authenticated as {}, lease {} ms", sessionId, remote(), clientName, role, leaseMillis);
        if (sessions.isDraining()) {
            drainNow("server is stopping");
        }
    }

    private void handshakeTimedOut() {
        if (state == State.AWAIT_HELLO || state == State.AWAIT_AUTH) {
            fail(Message.Error.PROTOCOL, Rejection.HANDSHAKE_TIMEOUT, "handshake not finished within "
                    + settings.handshakeTimeoutMillis() + " ms (state " + state + ")");
        }
    }

    private void checkLease() {
        if (state != State.SERVING && state != State.DRAINING) {
            return;
        }
        if (backpressure.paused() && ctx.channel().isWritable()) {
            // not reading by this server's choice (a request waits for the budget), not the client's silence
            lastFrameNanos = ctx.executor().ticker().nanoTime();
        }
        long idle = ctx.executor().ticker().nanoTime() - lastFrameNanos;
        if (idle >= leaseNanos) {
            sessions.leaseLapsed(this);
            fail(Message.Error.LEASE_EXPIRED, Rejection.LEASE, "lease of " + TimeUnit.NANOSECONDS.toMillis(leaseNanos)
                    + " ms expired: nothing received for " + TimeUnit.NANOSECONDS.toMillis(idle) + " ms; "
                    + inflight.size() + " references dropped");
        } else {
            leaseTimer = ctx.executor().schedule(this::checkLease, leaseNanos - idle, TimeUnit.NANOSECONDS);
        }
    }

    // ------------------------------------------------------------------ requests

    private void onRequest(Message.Request request) {
        long id = request.requestId();
        Op op = request.op();
        FaultPoint fault = settings.faults().onRequest(); // NONE unless a test switched fault points on
        if (fault == FaultPoint.HALT_ON_RECEIVE) {
            fault.halt(id);
        }
        if (state == State.DRAINING) {
            sessions.metrics().requestCompleted(op.code(), Status.SHUTTING_DOWN, 0);
            ctx.write(Message.Completion.failed(id, op.code(), Status.SHUTTING_DOWN,
                    "server " + settings.serverId() + " is stopping; request " + id + " was not executed"));
            return;
        }
        if (inflight.size() + unflushed >= settings.maxInflight()) {
            fail(Message.Error.OVERLOAD, Rejection.OVERLOAD, "request " + id + " exceeds maxInflight "
                    + settings.maxInflight() + " (requests accepted whose completions are not yet flushed)");
            return;
        }
        if (inflight.containsKey(id)) {
            fail(Message.Error.PROTOCOL, Rejection.PROTOCOL, "request id " + id + " is already in flight");
            return;
        }
        Admitted admitted = new Admitted(id, op, fault, backpressure.cost(op));
        inflight.put(id, admitted);
        sessions.requestAccepted();
        if (fault == FaultPoint.NONE) {
            unannounced.add(admitted); // a fault point's request announces itself, see start
        }
        backpressure.submit(admitted);
    }

    /**
     * A task queued at the end of a read, so it runs after the tasks the read's operations queued: ACCEPTED for
     * each request accepted in it that is still in flight. One whose COMPLETION was written meanwhile needs none
     * (the client takes a completion as acceptance too).
     */
    private void announceAccepted() {
        announcing = false;
        boolean wrote = false;
        for (Admitted a : unannounced) {
            if (inflight.get(a.id()) == a && state != State.CLOSED) {
                ctx.write(new Message.Accepted(a.id()));
                wrote = true;
            }
        }
        unannounced.clear();
        if (wrote) {
            ctx.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        backpressure.updateReading();
        ctx.fireChannelWritabilityChanged();
    }

    /** Runs an admitted request whose budget is reserved; a test's fault point flushes ACCEPTED first. */
    private void start(Admitted request) {
        if (request.fault() == FaultPoint.NONE) {
            execute(request, FaultPoint.NONE);
            return;
        }
        ctx.writeAndFlush(new Message.Accepted(request.id())).addListener(flushed -> {
            switch (request.fault()) {
                case HALT_AFTER_ACCEPT -> request.fault().halt(request.id());
                case STOP_AFTER_ACCEPT -> {
                    request.fault().freeze(request.id());
                    execute(request, FaultPoint.NONE);
                }
                default -> execute(request, request.fault());
            }
        });
    }

    private void execute(Admitted request, FaultPoint afterFlush) {
        long startNanos = System.nanoTime();
        executor.execute(request.op(), ctx.executor()).whenComplete((outcome, failure) ->
                completed(request, startNanos, outcome, failure, afterFlush));
    }

    private void onYield(Message.Yield request) {
        if (role != Role.PEER) {
            fail(Message.Error.PROTOCOL, Rejection.NOT_A_PEER, "YIELD is accepted only from a page server (a connection"
                    + " authenticated with the peer token); this one authenticated as a client");
            return;
        }
        log.info("session {} from {}: YIELD from {} ({})", sessionId, remote(), WireText.escape(request.takerId()),
                WireText.escape(request.reason()));
        yields.yieldTo(request).whenComplete((answer, failure) -> {
            Message.Yielded reply = failure == null ? answer
                    : new Message.Yielded(false, "server " + settings.serverId() + " failed to yield: " + failure);
            try {
                ctx.executor().execute(() -> answerYield(request, reply));
            } catch (RejectedExecutionException e) {
                log.debug("session {}: YIELDED dropped: event loop stopped", sessionId);
            }
        });
    }

    /**
     * On the event loop, once the reservation decided. A session that failed in the meantime (a bad frame read
     * right after the YIELD) has sent its ERROR and is closing: nothing follows an ERROR, so the answer is
     * dropped and the peer learns the outcome by asking again on a new connection.
     */
    private void answerYield(Message.Yield request, Message.Yielded reply) {
        if (state == State.CLOSED) {
            log.info("session {} from {}: YIELDED to {} (released {}) not sent: the connection is closed", sessionId,
                    remote(), WireText.escape(request.takerId()), reply.released());
            return;
        }
        ctx.writeAndFlush(reply); // a channel closed by the peer fails the write, harmlessly
    }

    /**
     * Runs on whichever thread completed the operation. On the event loop itself (inline page I/O) the
     * completion joins this read's batch, flushed at {@link #channelReadComplete}; otherwise it hops over.
     */
    private void completed(Admitted request, long startNanos, Outcome outcome, Throwable failure, FaultPoint afterFlush) {
        Op op = request.op();
        Message.Completion completion = completion(request.id(), op, outcome, failure);
        sessions.metrics().requestCompleted(op.code(), completion.status(), System.nanoTime() - startNanos);
        if (ctx.executor().inEventLoop()) {
            deliver(request, completion, afterFlush);
            return;
        }
        try {
            ctx.executor().execute(() -> deliver(request, completion, afterFlush));
        } catch (RejectedExecutionException e) {
            // the event loop is gone, and with it the connection
            sessions.budget().release(request.cost());
            sessions.requestReleased();
        }
    }

    private Message.Completion completion(long id, Op op, Outcome outcome, Throwable failure) {
        if (failure == null) {
            return Message.Completion.ok(id, op.code(), outcome);
        }
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof StoreException se) {
            return Message.Completion.failed(id, op.code(), se.status(), se.getMessage());
        }
        // the details (exception, server paths, stack) stay in the log; the client reads the reason in words
        log.error("session {}: request {} ({} volume {}) failed unexpectedly", sessionId, id, op.code().tag(), op.volume(), cause);
        IoErrors.Reason reason = IoErrors.reasonOf(cause);
        return Message.Completion.failed(id, op.code(), reason.status(), op.code().tag() + " volume " + op.volume()
                + ": " + reason.words());
    }

    /**
     * Sends a completion; the request keeps its place in {@code maxInflight} and its budget until the bytes
     * reached the socket. A closed or fenced session drops it (the client reissues).
     */
    private void deliver(Admitted request, Message.Completion completion, FaultPoint afterFlush) {
        inflight.remove(request.id());
        if (sessions.isFenced() || state == State.CLOSED || !ctx.channel().isActive()) {
            release(request);
            return;
        }
        unflushed++;
        // flushes are consolidated (see SessionServer): completions of one batch share one write(2)
        ctx.writeAndFlush(completion).addListener(f -> {
            unflushed--;
            release(request);
            afterFlush.afterCompletionFlushed(request.id());
            backpressure.runPending();
        });
    }

    private void release(Admitted request) {
        backpressure.releaseRequest(request);
        sessions.requestReleased();
    }

    // ------------------------------------------------------------------ drain and close

    /** Called from any thread when the server starts draining. */
    void startDraining(String reason) {
        ctx.executor().execute(() -> drainNow(reason));
    }

    private void drainNow(String reason) {
        switch (state) {
            case SERVING -> {
                state = State.DRAINING;
                ctx.writeAndFlush(new Message.Draining(reason));
            }
            case AWAIT_HELLO, AWAIT_AUTH -> {
                log.info("session from {}: closed during handshake: {}", remote(), reason);
                enterClosed();
                ctx.close();
            }
            case DRAINING, CLOSED -> { }
        }
    }

    /**
     * Closes the connection from any thread, after whatever this session's event loop was asked to do before
     * (a DRAINING frame is flushed first); the returned future completes when the connection is closed.
     */
    ChannelFuture close() {
        try {
            ctx.executor().execute(() -> {
                enterClosed();
                ctx.close();
            });
        } catch (RejectedExecutionException e) {
            log.debug("session {}: close not queued: event loop stopped", sessionId);
        }
        return ctx.channel().closeFuture();
    }

    /**
     * Ends the connection for a broken rule: one ERROR frame, then close; counted per rejection in the metrics and
     * logged as one WARN line, at most one per rejection kind every few seconds (with the count left out).
     */
    private void fail(int code, Rejection rejection, String reason) {
        sessions.warnings().warn(rejection.name(), "session {} from {}{}: {} in state {}; closing", sessionId, remote(),
                clientName.isEmpty() ? "" : " (" + clientName + ")", reason, state);
        sessions.metrics().connectionRejected(rejection);
        enterClosed();
        boolean answersDrain = ctx.channel().isWritable();
        ctx.writeAndFlush(new Message.Error(code, reason)).addListener(ChannelFutureListener.CLOSE);
        if (!answersDrain) {
            ctx.close(); // the ERROR would wait behind answers the client does not read
        }
    }

    /** Ends the connection for a HELLO or AUTH that the handshake refused. */
    private void fail(SessionHandshake.Refusal refusal) {
        fail(refusal.code(), refusal.rejection(), refusal.reason());
    }

    /**
     * Called from any thread when this connection is the oldest of more than {@code max} awaiting authentication:
     * ERROR(OVERLOAD) and close, unless it authenticated or closed meanwhile. Counted in the metrics; logged at
     * most once every few seconds.
     */
    void evictUnauthenticated(int max) {
        try {
            ctx.executor().execute(() -> evictNow(max));
        } catch (RejectedExecutionException e) {
            log.debug("connection from {}: eviction dropped: event loop stopped", remote());
        }
    }

    private void evictNow(int max) {
        if (!handshake.awaitingAuthentication() || state == State.CLOSED) {
            return;
        }
        handshake.evicted(); // uncounted by the eviction already
        sessions.warnings().warn(Rejection.UNAUTHENTICATED_LIMIT.name(), "connection from {} closed before it"
                + " authenticated: {} newer connections await authentication, the limit (--max-unauthenticated)",
                remote(), max);
        sessions.metrics().connectionRejected(Rejection.UNAUTHENTICATED_LIMIT);
        enterClosed();
        ctx.writeAndFlush(new Message.Error(Message.Error.OVERLOAD, "server " + settings.serverId() + " has " + max
                + " newer connections awaiting authentication, its limit; try again"))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * How long this connection has held budget without progress (see {@link ConnectionBackpressure#stalledNanos});
     * called from any thread.
     */
    long stalledNanos(long nowNanos) {
        return backpressure.stalledNanos(nowNanos);
    }

    /** Called from any thread: closes this connection if its answers are still stalled. */
    void evictIfStalled(long timeoutNanos) {
        ctx.executor().execute(() -> {
            long stalled = stalledNanos(ctx.executor().ticker().nanoTime());
            if (state != State.CLOSED && stalled >= timeoutNanos) {
                fail(Message.Error.OVERLOAD, Rejection.STALLED, "held buffer budget without progress (answers not"
                        + " read, or a frame not finished) for " + TimeUnit.NANOSECONDS.toMillis(stalled) + " ms while"
                        + " other connections wait for it; " + inflight.size() + " requests dropped");
            }
        });
    }

    private void enterClosed() {
        handshake.end();
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (!inflight.isEmpty()) {
            log.info("session {} from {}: closed with {} requests in flight ({} not started); their completions are"
                    + " dropped and the client reissues them", sessionId, remote(), inflight.size(),
                    backpressure.waiting());
        }
        backpressure.close(never -> { // accepted, never started: they hold no budget
            inflight.remove(never.id());
            sessions.requestReleased();
        });
        if (leaseTimer != null) {
            leaseTimer.cancel(false);
        }
        sessions.remove(this);
    }

    private Object remote() {
        return ctx.channel().remoteAddress();
    }
}
