package org.hapager.server.session;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.hapager.server.metrics.ServerMetrics.Rejection;
import org.hapager.server.session.SessionHandler.Role;
import org.hapager.wire.FrameDecoder;
import org.hapager.wire.HandshakeProof;
import org.hapager.wire.Message;
import org.hapager.wire.Protocol;

/**
 * One connection's handshake, from its arrival to AUTH_OK: what HELLO and AUTH are checked for, the state only the
 * handshake needs (the negotiated version, both nonces, the proof that matched, the timeout) and the connection's
 * place among those awaiting authentication. {@link SessionHandler} owns the states (AWAIT_HELLO, AWAIT_AUTH) and
 * moves between them on what this decides; a {@link Refusal} is the ERROR it ends the connection with.
 * <ol>
 * <li>On arrival ({@link #start}) a connection counts as awaiting authentication until AUTH_OK or its
 *     close; if {@code maxUnauthenticated} connections of the server already did, the oldest of them gets
 *     ERROR(OVERLOAD) and is closed ({@link SessionHandler#evictUnauthenticated}). Until AUTH_OK its decoder reads
 *     frames of at most {@link Protocol#MAX_HANDSHAKE_FRAME_BYTES} ({@link FrameDecoder#forHandshake}). A handshake
 *     not finished within {@code handshakeTimeoutMillis} ends with ERROR(PROTOCOL).</li>
 * <li>HELLO ({@link #checkHello}): wrong magic → ERROR(PROTOCOL); no common version → ERROR(VERSION);
 *     otherwise CHALLENGE with a fresh nonce ({@link #challenge}).</li>
 * <li>AUTH ({@link #checkAuth}): a proof keyed with the client token makes the connection a CLIENT, one
 *     keyed with the peer token a PEER (a page server); any other → ERROR(AUTH_FAILED). AUTH_OK answers with
 *     the server's proof keyed with the same token ({@link #serverProof}).</li>
 * </ol>
 * Invariant: the connection counts in {@link Sessions#unauthenticated()} exactly while
 * {@code awaitingAuthentication}. Like its session's, every field is read and written only on the channel's
 * event loop.
 */
final class SessionHandshake {

    /** Set by the accepting thread ({@link SessionServer}): the order in which the server accepted a connection. */
    static final AttributeKey<Long> ACCEPTED = AttributeKey.valueOf("hapager.accepted");

    /** Why a HELLO or AUTH is refused: the ERROR frame's code and text, and the rejection counted in the metrics. */
    record Refusal(int code, Rejection rejection, String reason) {
    }

    private final SessionSettings settings;
    private final Sessions sessions;

    private boolean awaitingAuthentication;
    /** Where this connection stands in the order of acceptance (see {@link #ACCEPTED}). */
    private long acceptOrder;
    private ScheduledFuture<?> timer;
    private int version;
    private byte[] clientNonce;
    private byte[] serverNonce;
    /** Who the AUTH proved to be, and the proof keyed with that one's token. */
    private Role role = Role.NONE;
    private HandshakeProof proof;

    SessionHandshake(SessionSettings settings, Sessions sessions) {
        this.settings = settings;
        this.sessions = sessions;
    }

    /**
     * On arrival: counts {@code session} as awaiting authentication, which may evict the server's oldest such
     * connection ({@link Sessions#startHandshake}), and runs {@code timedOut} after the handshake timeout unless
     * the handshake {@link #end ended} first.
     */
    void start(SessionHandler session, ChannelHandlerContext ctx, Runnable timedOut) {
        awaitingAuthentication = true;
        Long accepted = ctx.channel().attr(ACCEPTED).get();
        acceptOrder = accepted != null ? accepted : sessions.nextAcceptOrder();
        sessions.startHandshake(acceptOrder, session, settings.maxUnauthenticated());
        timer = ctx.executor().schedule(timedOut, settings.handshakeTimeoutMillis(), TimeUnit.MILLISECONDS);
    }

    /** Null if {@code hello} is accepted ({@link #challenge} answers it), else why the connection ends. */
    Refusal checkHello(Message.Hello hello) {
        if (hello.magic() != Protocol.MAGIC) {
            return new Refusal(Message.Error.PROTOCOL, Rejection.PROTOCOL, "bad magic 0x" + Integer.toHexString(hello.magic()));
        }
        int negotiated = Protocol.negotiate(hello.minVersion(), hello.maxVersion());
        if (negotiated < 0) {
            return new Refusal(Message.Error.VERSION, Rejection.VERSION, "client speaks versions " + hello.minVersion()
                    + ".." + hello.maxVersion() + ", this server " + Protocol.MIN_VERSION + ".." + Protocol.MAX_VERSION);
        }
        version = negotiated;
        clientNonce = hello.clientNonce();
        serverNonce = HandshakeProof.newNonce();
        return null;
    }

    /** The answer to an accepted HELLO: the negotiated version and a fresh nonce. */
    Message.Challenge challenge() {
        return new Message.Challenge(version, serverNonce, settings.serverId());
    }

    /**
     * Null if {@code auth}'s proof matches the client token or else the peer token ({@link #role} says which),
     * else why the connection ends.
     */
    Refusal checkAuth(Message.Auth auth) {
        if (HandshakeProof.matches(settings.proof().clientProof(version, clientNonce, serverNonce), auth.clientProof())) {
            role = Role.CLIENT;
            proof = settings.proof();
        } else if (settings.peerProof() != null
                && HandshakeProof.matches(settings.peerProof().clientProof(version, clientNonce, serverNonce), auth.clientProof())) {
            role = Role.PEER;
            proof = settings.peerProof();
        } else {
            return new Refusal(Message.Error.AUTH_FAILED, Rejection.AUTH, "client proof does not match the token");
        }
        return null;
    }

    /** Who the accepted AUTH proved to be; {@link Role#NONE} before. */
    Role role() {
        return role;
    }

    /** For AUTH_OK: the server's proof, keyed with the token the client proved it knows. */
    byte[] serverProof() {
        return proof.serverProof(version, clientNonce, serverNonce);
    }

    boolean awaitingAuthentication() {
        return awaitingAuthentication;
    }

    /** {@link Sessions#startHandshake} evicted this connection, and uncounted it with that. */
    void evicted() {
        awaitingAuthentication = false;
    }

    /**
     * The connection no longer awaits authentication (authenticated, or closing): uncounted, once, and the
     * timeout cancelled.
     */
    void end() {
        if (timer != null) {
            timer.cancel(false);
        }
        if (awaitingAuthentication) {
            awaitingAuthentication = false;
            sessions.handshakeEnded(acceptOrder);
        }
    }
}
