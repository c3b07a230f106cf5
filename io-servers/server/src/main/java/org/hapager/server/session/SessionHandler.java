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
import org.hapager.server.store.StoreException;
import org.hapager.wire.FrameDecoder;
import org.hapager.wire.HandshakeProof;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.OpCode;
import org.hapager.wire.Outcome;
import org.hapager.wire.Protocol;
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
 * <li>On arrival ({@link #channelActive}) a connection counts as awaiting authentication until AUTH_OK or its
 *     close; if {@code maxUnauthenticated} connections of the server already do, it gets ERROR(OVERLOAD) and is
 *     closed at once. Until AUTH_OK its decoder reads frames of at most
 *     {@link org.hapager.wire.Protocol#MAX_HANDSHAKE_FRAME_BYTES} ({@link FrameDecoder#forHandshake}).</li>
 * <li>AWAIT_HELLO: only HELLO is allowed. Wrong magic → ERROR(PROTOCOL); no common version → ERROR(VERSION);
 *     otherwise CHALLENGE with a fresh nonce ({@link #onHello}).</li>
 * <li>AWAIT_AUTH: only AUTH is allowed. A proof keyed with the client token makes the connection a CLIENT, one
 *     keyed with the peer token a PEER (a page server); any other → ERROR(AUTH_FAILED). Then AUTH_OK with the
 *     clamped lease, the decoder's full frame bound, and the lease clock starts ({@link #onAuth}). Nothing is
 *     served before this.</li>
 * <li>SERVING: REQUEST, HEARTBEAT and, from a PEER only, YIELD (answered with YIELDED once the reservation
 *     decided, see {@link YieldHandler}; a CLIENT's YIELD → ERROR(PROTOCOL)). Each REQUEST is refused with
 *     ERROR(OVERLOAD) past {@code maxInflight}, with ERROR(PROTOCOL) if its id is already in flight; otherwise
 *     ACCEPTED, and the operation runs on the I/O threads ({@link #onRequest}). Every frame renews the lease;
 *     a lease that lapses sends ERROR(LEASE_EXPIRED) ({@link #checkLease}).</li>
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
 * <li>Any frame not allowed in the current state, and any decoder error, ends the connection with an ERROR frame
 *     and a WARN line naming the remote address, at most one per reason every few seconds server-wide
 *     ({@link Sessions#warnings()}); other connections are unaffected.</li>
 * <li>Strings from the wire (the client name, a YIELD's taker id and reason) reach log lines only through
 *     {@link WireText#escape}: one printable, bounded line, so no client can forge a log record.</li>
 * <li>The connection counts in {@link Sessions#unauthenticated()} exactly while {@code awaitingAuthentication}.</li>
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

    // ---- owned by the event loop
    private ChannelHandlerContext ctx;
    private State state = State.AWAIT_HELLO;
    private Role role = Role.NONE;
    private boolean awaitingAuthentication;
    /** From HELLO, escaped: for log lines only. */
    private String clientName = "";
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

    Role role() {
        return role;
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
        if (!sessions.tryStartHandshake(settings.maxUnauthenticated())) {
            refuseOverUnauthenticatedLimit();
            return;
        }
        awaitingAuthentication = true;
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
            sessions.warnings().info("connection failed", "session {} from {}: connection failed in state {}: {}",
                    sessionId, remote(), state, cause.toString());
            enterClosed();
            ctx.close();
        }
    }

    // ------------------------------------------------------------------ handshake

    private void onHello(Message.Hello hello) {
        clientName = WireText.escape(hello.clientName());
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
        HandshakeProof proof = settings.proof();
        if (HandshakeProof.matches(proof.clientProof(version, clientNonce, serverNonce), auth.clientProof())) {
            role = Role.CLIENT;
        } else if (settings.peerProof() != null
                && HandshakeProof.matches(settings.peerProof().clientProof(version, clientNonce, serverNonce), auth.clientProof())) {
            role = Role.PEER;
            proof = settings.peerProof();
        } else {
            fail(Message.Error.AUTH_FAILED, Rejection.AUTH, "client proof does not match the token");
            return;
        }
        handshakeTimer.cancel(false);
        endHandshake();
        FrameDecoder decoder = ctx.pipeline().get(FrameDecoder.class);
        if (decoder != null) {
            decoder.authenticated(); // from the next frame on: frames up to maxFrameBytes
        }
        sessionId = sessions.newSessionId();
        int leaseMillis = settings.clampLease(auth.leaseMillis());
        leaseNanos = TimeUnit.MILLISECONDS.toNanos(leaseMillis);
        state = State.SERVING;
        ctx.write(new Message.AuthOk(proof.serverProof(version, clientNonce, serverNonce), sessionId,
                leaseMillis, settings.maxInflight(), settings.limits().maxFrameBytes()));
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
        log.error("session {}: request {} ({} volume {}) failed unexpectedly", sessionId, id, op.code().tag(), op.volume(), cause);
        return Message.Completion.failed(id, op.code(), Status.IO_ERROR, op.code().tag() + " volume " + op.volume()
                + " failed: " + cause);
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

    /**
     * Ends the connection for a broken rule: one ERROR frame, then close; counted per rejection in the metrics and
     * logged as one WARN line, at most one per rejection kind every few seconds (with the count left out).
     */
    private void fail(int code, Rejection rejection, String reason) {
        sessions.warnings().warn(rejection.name(), "session {} from {}{}: {} in state {}; closing", sessionId, remote(),
                clientName.isEmpty() ? "" : " (" + clientName + ")", reason, state);
        sessions.metrics().connectionRejected(rejection);
        enterClosed();
        ctx.writeAndFlush(new Message.Error(code, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * A new connection while {@code maxUnauthenticated} others await authentication: ERROR(OVERLOAD) and close, before
     * a byte of it is read. Counted in the metrics; logged at most once every few seconds.
     */
    private void refuseOverUnauthenticatedLimit() {
        int max = settings.maxUnauthenticated();
        sessions.warnings().warn(Rejection.UNAUTHENTICATED_LIMIT.name(), "connection from {} refused: {} connections are"
                + " awaiting authentication, the limit (--max-unauthenticated); closing", remote(), max);
        sessions.metrics().connectionRejected(Rejection.UNAUTHENTICATED_LIMIT);
        enterClosed();
        ctx.writeAndFlush(new Message.Error(Message.Error.OVERLOAD, "server " + settings.serverId() + " has " + max
                + " connections awaiting authentication, its limit; try again")).addListener(ChannelFutureListener.CLOSE);
    }

    /** The connection no longer awaits authentication (authenticated, or closing): uncounted, once. */
    private void endHandshake() {
        if (awaitingAuthentication) {
            awaitingAuthentication = false;
            sessions.handshakeEnded();
        }
    }

    private void enterClosed() {
        endHandshake();
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
