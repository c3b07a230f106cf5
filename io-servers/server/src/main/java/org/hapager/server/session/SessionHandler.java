package org.hapager.server.session;

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
import org.hapager.wire.HandshakeProof;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.OpCode;
import org.hapager.wire.Outcome;
import org.hapager.wire.Protocol;
import org.hapager.wire.Status;
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
 * <li>AWAIT_HELLO: only HELLO is allowed. Wrong magic → ERROR(PROTOCOL); no common version → ERROR(VERSION);
 *     otherwise CHALLENGE with a fresh nonce ({@link #onHello}).</li>
 * <li>AWAIT_AUTH: only AUTH is allowed. A wrong proof → ERROR(AUTH_FAILED); otherwise AUTH_OK with the
 *     clamped lease, and the lease clock starts ({@link #onAuth}). Nothing is served before this.</li>
 * <li>SERVING: REQUEST, HEARTBEAT and a peer server's YIELD (answered with YIELDED once the reservation
 *     decided, see {@link YieldHandler}). Each REQUEST is refused with ERROR(OVERLOAD) past {@code maxInflight},
 *     with ERROR(PROTOCOL) if its id is already in flight; otherwise ACCEPTED, and the operation runs on the
 *     I/O threads ({@link #onRequest}). Every frame renews the lease; a lease that lapses sends
 *     ERROR(LEASE_EXPIRED) ({@link #checkLease}).</li>
 * <li>DRAINING ({@link #startDraining}): the server is stopping. DRAINING was sent; accepted requests still
 *     complete; new REQUESTs get COMPLETION(SHUTTING_DOWN) without being executed; YIELD is still answered.
 *     A test's fault point ({@code SessionSettings.faults}, asked once per REQUEST) may halt or freeze the
 *     process around a request ({@link #acceptWithFault}).</li>
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
 * <li>{@code inflight} holds exactly the ids that were ACCEPTED and whose COMPLETION has not been delivered
 *     or dropped; each of them counts once in {@link Sessions#inflight()}, released after the completion was
 *     flushed (or dropped), so a drain never closes a connection under a completion.</li>
 * <li>Any frame not allowed in the current state, and any decoder error, ends the connection with one WARN line
 *     naming the remote address; other connections are unaffected.</li>
 * </ol>
 */
public final class SessionHandler extends ChannelInboundHandlerAdapter {

    enum State { AWAIT_HELLO, AWAIT_AUTH, SERVING, DRAINING, CLOSED }

    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);

    private final SessionSettings settings;
    private final OpExecutor executor;
    private final YieldHandler yields;
    private final Sessions sessions;

    // ---- owned by the event loop
    private ChannelHandlerContext ctx;
    private State state = State.AWAIT_HELLO;
    private int version;
    private byte[] clientNonce;
    private byte[] serverNonce;
    private long sessionId;
    private long leaseNanos;
    private long lastFrameNanos;
    private ScheduledFuture<?> handshakeTimer;
    private ScheduledFuture<?> leaseTimer;
    private final LongObjectHashMap<OpCode> inflight = new LongObjectHashMap<>();

    /** {@code executor} runs this connection's storage requests; {@code yields} answers a peer's YIELD. */
    public SessionHandler(SessionSettings settings, OpExecutor executor, YieldHandler yields, Sessions sessions) {
        this.settings = settings;
        this.executor = executor;
        this.yields = yields;
        this.sessions = sessions;
    }

    State state() {
        return state;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        sessions.add(this);
        if (sessions.isFenced()) { // checked after add: either this sees the fence or the fence sees this session
            enterClosed();
            ctx.close();
            return;
        }
        handshakeTimer = ctx.executor().schedule(this::handshakeTimedOut, settings.handshakeTimeoutMillis(), TimeUnit.MILLISECONDS);
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
            log.info("session {} from {}: connection failed in state {}: {}", sessionId, remote(), state, cause.toString());
            enterClosed();
            ctx.close();
        }
    }

    // ------------------------------------------------------------------ handshake

    private void onHello(Message.Hello hello) {
        if (hello.magic() != Protocol.MAGIC) {
            fail(Message.Error.PROTOCOL, Rejection.PROTOCOL, "bad magic 0x" + Integer.toHexString(hello.magic()));
            return;
        }
        int negotiated = Protocol.negotiate(hello.minVersion(), hello.maxVersion());
        if (negotiated < 0) {
            fail(Message.Error.VERSION, Rejection.VERSION, "client speaks versions " + hello.minVersion() + ".."
                    + hello.maxVersion() + ", this server " + Protocol.MIN_VERSION + ".." + Protocol.MAX_VERSION);
            return;
        }
        version = negotiated;
        clientNonce = hello.clientNonce();
        serverNonce = HandshakeProof.newNonce();
        state = State.AWAIT_AUTH;
        ctx.write(new Message.Challenge(version, serverNonce, settings.serverId()));
    }

    private void onAuth(Message.Auth auth) {
        byte[] expected = settings.proof().clientProof(version, clientNonce, serverNonce);
        if (!HandshakeProof.matches(expected, auth.clientProof())) {
            fail(Message.Error.AUTH_FAILED, Rejection.AUTH, "client proof does not match the token");
            return;
        }
        handshakeTimer.cancel(false);
        sessionId = sessions.newSessionId();
        int leaseMillis = settings.clampLease(auth.leaseMillis());
        leaseNanos = TimeUnit.MILLISECONDS.toNanos(leaseMillis);
        state = State.SERVING;
        ctx.write(new Message.AuthOk(settings.proof().serverProof(version, clientNonce, serverNonce), sessionId,
                leaseMillis, settings.maxInflight(), settings.limits().maxFrameBytes()));
        leaseTimer = ctx.executor().schedule(this::checkLease, leaseNanos, TimeUnit.NANOSECONDS);
        log.debug("session {} from {}: authenticated, lease {} ms", sessionId, remote(), leaseMillis);
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
        long idle = ctx.executor().ticker().nanoTime() - lastFrameNanos;
        if (idle >= leaseNanos) {
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
        if (inflight.size() >= settings.maxInflight()) {
            fail(Message.Error.OVERLOAD, Rejection.OVERLOAD, "request " + id + " exceeds maxInflight "
                    + settings.maxInflight());
            return;
        }
        if (inflight.containsKey(id)) {
            fail(Message.Error.PROTOCOL, Rejection.PROTOCOL, "request id " + id + " is already in flight");
            return;
        }
        inflight.put(id, op.code());
        sessions.requestAccepted();
        if (fault != FaultPoint.NONE) {
            acceptWithFault(id, op, fault);
            return;
        }
        ctx.write(new Message.Accepted(id));
        execute(id, op, FaultPoint.NONE);
    }

    private void execute(long id, Op op, FaultPoint fault) {
        long startNanos = System.nanoTime();
        executor.execute(op).whenComplete((outcome, failure) -> completed(id, op, startNanos, outcome, failure, fault));
    }

    /** A test's fault point at an accepted request: flush ACCEPTED, then halt, freeze or arm the halt after completion. */
    private void acceptWithFault(long id, Op op, FaultPoint fault) {
        ctx.writeAndFlush(new Message.Accepted(id)).addListener(flushed -> {
            switch (fault) {
                case HALT_AFTER_ACCEPT -> fault.halt(id);
                case STOP_AFTER_ACCEPT -> {
                    fault.freeze(id);
                    execute(id, op, FaultPoint.NONE);
                }
                default -> execute(id, op, fault);
            }
        });
    }

    private void onYield(Message.Yield request) {
        log.info("session {} from {}: YIELD from {} ({})", sessionId, remote(), request.takerId(), request.reason());
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
                    remote(), request.takerId(), reply.released());
            return;
        }
        ctx.writeAndFlush(reply); // a channel closed by the peer fails the write, harmlessly
    }

    /**
     * Runs on whichever thread completed the operation. On the event loop itself (inline page I/O) the
     * completion joins this read's batch, flushed at {@link #channelReadComplete}; otherwise it hops over.
     */
    private void completed(long id, Op op, long startNanos, Outcome outcome, Throwable failure, FaultPoint fault) {
        Message.Completion completion = completion(id, op, outcome, failure);
        sessions.metrics().requestCompleted(op.code(), completion.status(), System.nanoTime() - startNanos);
        if (ctx.executor().inEventLoop()) {
            deliver(completion, fault);
            return;
        }
        try {
            ctx.executor().execute(() -> deliver(completion, fault));
        } catch (RejectedExecutionException e) {
            sessions.requestReleased(); // the event loop is gone, and with it the connection
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

    private void deliver(Message.Completion completion, FaultPoint fault) {
        if (inflight.remove(completion.requestId()) == null) {
            sessions.requestReleased();
            return;
        }
        if (sessions.isFenced()) {
            log.debug("session {}: completion of request {} dropped: the server is fenced", sessionId, completion.requestId());
            sessions.requestReleased();
            return;
        }
        if (state == State.CLOSED || !ctx.channel().isActive()) {
            log.debug("session {}: completion of request {} dropped: connection closed", sessionId, completion.requestId());
            sessions.requestReleased();
            return;
        }
        // flushes are consolidated (see SessionServer): completions of one batch share one write(2)
        ctx.writeAndFlush(completion).addListener(f -> {
            sessions.requestReleased();
            fault.afterCompletionFlushed(completion.requestId());
        });
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

    /** Closes the connection from any thread. */
    void close() {
        ctx.executor().execute(() -> {
            enterClosed();
            ctx.close();
        });
    }

    /** Ends the connection for a broken rule: one ERROR frame, one WARN line, then close. */
    private void fail(int code, Rejection rejection, String reason) {
        log.warn("session {} from {}: {} in state {}; closing", sessionId, remote(), reason, state);
        sessions.metrics().connectionRejected(rejection);
        enterClosed();
        ctx.writeAndFlush(new Message.Error(code, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    private void enterClosed() {
        state = State.CLOSED;
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        if (leaseTimer != null) {
            leaseTimer.cancel(false);
        }
        sessions.remove(this);
    }

    private Object remote() {
        return ctx.channel().remoteAddress();
    }
}
