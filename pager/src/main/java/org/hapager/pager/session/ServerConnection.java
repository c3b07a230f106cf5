package org.hapager.pager.session;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hapager.wire.FrameDecoder;
import org.hapager.wire.FrameEncoder;
import org.hapager.wire.HandshakeProof;
import org.hapager.wire.Message;
import org.hapager.wire.MessageCodec;
import org.hapager.wire.Protocol;

/**
 * The client's end of one session with one page server.
 *
 * <h2>States</h2>
 * <pre>
 *  CONNECTING ─connected─► AWAIT_CHALLENGE ─CHALLENGE─► AWAIT_AUTH_OK ─AUTH_OK─► SERVING ─DRAINING─► DRAINING
 *       │                        │                           │                     │                   │
 *       └────────────────────────┴──────── any failure ──────┴─────────────────────┴───────────────────┴─► CLOSED
 * </pre>
 * <ul>
 *   <li>{@link #connect} starts in CONNECTING and returns at once; {@link #ready()} completes when SERVING is
 *       reached, or fails with the reason the handshake failed.</li>
 *   <li>Only in SERVING does {@link #isServing()} hold and may requests be sent. DRAINING means the server
 *       finishes what it accepted and takes nothing new.</li>
 *   <li>CLOSED is final and reached exactly once: the listener's {@code onLost} is called then, on the event
 *       loop, whatever the cause (socket closed, protocol error, lease lapsed, {@link #close}).</li>
 * </ul>
 *
 * <h2>Lease</h2>
 * The server holds every reference to this client's records under one lease, renewed by any frame from
 * the client. The client sends HEARTBEAT every {@code heartbeatNanos}. If no frame at all arrives from the
 * server within the lease, the client treats the server as gone (it is dead, frozen or cut off, and its
 * lease on our references has lapsed or is about to): the connection closes and every reference it held
 * disappears at once.
 *
 * <p>Time is the event loop's ticker, so that a test's embedded loop can step it.
 *
 * <p>Owner: the channel's event loop. Every field below is read and written only there, except
 * {@code ready}, which is a thread-safe future.
 */
public final class ServerConnection implements Connection {

    /** Events of one connection, delivered on its event loop. */
    public interface Listener {
        void onServing(Connection connection);

        void onAccepted(Connection connection, long requestId);

        void onCompletion(Connection connection, Message.Completion completion);

        void onDraining(Connection connection, String reason);

        /** Called once when the connection reaches CLOSED (also when it never reached SERVING). */
        void onLost(Connection connection, Throwable cause);
    }

    /** Connection states; see the class comment. */
    public enum State { CONNECTING, AWAIT_CHALLENGE, AWAIT_AUTH_OK, SERVING, DRAINING, CLOSED }

    private final InetSocketAddress address;
    private final EventLoop eventLoop;
    private final HandshakeProof proof;
    private final String clientName;
    private final long requestedLeaseMillis;
    private final long heartbeatNanos;
    private final Listener listener;
    private final CompletableFuture<ServerConnection> ready = new CompletableFuture<>();

    private Channel channel;
    private State state = State.CONNECTING;
    /** Set by AUTH_OK; null before. */
    private SessionParameters parameters;
    private String serverId;
    private int version;
    private byte[] clientNonce;
    /** What the server must prove once it has chosen its nonce: set by CHALLENGE. */
    private byte[] expectedServerProof;
    /** The requested lease until AUTH_OK fixes the granted one. */
    private long leaseNanos;
    private long lastHeardNanos;
    private long heartbeatSequence;
    private long lastHeartbeatNanos;
    private ScheduledFuture<?> heartbeatTask;

    private ServerConnection(InetSocketAddress address, EventLoop eventLoop, HandshakeProof proof, String clientName,
                             long leaseMillis, long heartbeatNanos, Listener listener) {
        this.address = address;
        this.eventLoop = eventLoop;
        this.proof = proof;
        this.clientName = clientName;
        this.requestedLeaseMillis = leaseMillis;
        this.heartbeatNanos = heartbeatNanos;
        this.listener = listener;
        this.leaseNanos = TimeUnit.MILLISECONDS.toNanos(leaseMillis);
    }

    /**
     * Opens a connection on {@code eventLoop} and starts the handshake. Returns at once; watch {@link #ready()}.
     */
    public static ServerConnection connect(EventLoop eventLoop, Class<? extends Channel> channelClass,
                                           InetSocketAddress address, MessageCodec codec,
                                           HandshakeProof proof, String clientName, long leaseMillis,
                                           long heartbeatNanos, int connectTimeoutMillis, Listener listener) {
        ServerConnection connection = new ServerConnection(address, eventLoop, proof, clientName, leaseMillis, heartbeatNanos, listener);
        FrameEncoder encoder = new FrameEncoder(codec);
        ChannelFuture future = new Bootstrap().group(eventLoop).channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connection.channel = ch; // on the event loop, before any event of the channel
                        ch.pipeline().addLast("frames", new FrameDecoder(codec))
                                .addLast("encoder", encoder)
                                .addLast("session", connection.new Handler());
                    }
                })
                .connect(address);
        future.addListener(f -> { // runs on the channel's event loop
            if (!f.isSuccess()) {
                connection.closeWith(new java.io.IOException("cannot connect to page server " + address + ": "
                        + f.cause().getMessage(), f.cause()));
            }
        });
        return connection;
    }

    public CompletableFuture<ServerConnection> ready() {
        return ready;
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    /** Valid once {@link #ready()} completed. */
    @Override
    public SessionParameters parameters() {
        return parameters;
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public boolean isServing() {
        return state == State.SERVING;
    }

    /** Queues a request; call {@link #flush()} after a batch. Event loop only, SERVING only. */
    @Override
    public void send(Message.Request request) {
        assert eventLoop.inEventLoop() && state == State.SERVING : state;
        channel.write(request, channel.voidPromise());
    }

    @Override
    public void flush() {
        channel.flush();
    }

    /** Closes the connection; the listener hears {@code onLost} with {@code cause}. Any thread. */
    @Override
    public void close(Throwable cause) {
        if (eventLoop.inEventLoop()) {
            closeWith(cause);
        } else {
            eventLoop.execute(() -> closeWith(cause));
        }
    }

    @Override
    public String toString() {
        String id = serverId == null ? address.toString() : serverId + " (" + address + ")";
        return "page server " + id;
    }

    private void closeWith(Throwable cause) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (heartbeatTask != null) {
            heartbeatTask.cancel(false);
        }
        if (channel != null) {
            channel.close();
        }
        ready.completeExceptionally(cause);
        listener.onLost(this, cause);
    }

    private void onChannelActive() {
        state = State.AWAIT_CHALLENGE;
        clientNonce = HandshakeProof.newNonce();
        lastHeardNanos = eventLoop.ticker().nanoTime();
        channel.writeAndFlush(new Message.Hello(Protocol.MAGIC, Protocol.MIN_VERSION, Protocol.MAX_VERSION, clientNonce, clientName));
        // The tick checks the lease every 4 % of its length (the lapse is noticed at most that late: 20 ms of a
        // 500 ms lease, a small part of a failover's stall) and sends a heartbeat once heartbeatNanos have passed
        // since the last one.
        long tick = Math.min(heartbeatNanos, leaseNanos / 25);
        lastHeartbeatNanos = lastHeardNanos;
        heartbeatTask = eventLoop.scheduleAtFixedRate(this::onTick, tick, tick, TimeUnit.NANOSECONDS);
    }

    private void onTick() {
        long now = eventLoop.ticker().nanoTime();
        if (now - lastHeardNanos > leaseNanos) {
            closeWith(new LeaseExpiredException(this + " lease lapsed: nothing heard for "
                    + TimeUnit.NANOSECONDS.toMillis(now - lastHeardNanos) + " ms (lease " + TimeUnit.NANOSECONDS.toMillis(leaseNanos) + " ms)"));
            return;
        }
        if ((state == State.SERVING || state == State.DRAINING) && now - lastHeartbeatNanos >= heartbeatNanos) {
            lastHeartbeatNanos = now;
            channel.writeAndFlush(new Message.Heartbeat(++heartbeatSequence), channel.voidPromise());
        }
    }

    private void onMessage(Message message) {
        lastHeardNanos = eventLoop.ticker().nanoTime();
        switch (message.type()) {
            case CHALLENGE -> onChallenge((Message.Challenge) message);
            case AUTH_OK -> onAuthOk((Message.AuthOk) message);
            case ACCEPTED -> {
                expect(state == State.SERVING || state == State.DRAINING, message);
                listener.onAccepted(this, ((Message.Accepted) message).requestId());
            }
            case COMPLETION -> {
                expect(state == State.SERVING || state == State.DRAINING, message);
                listener.onCompletion(this, (Message.Completion) message);
            }
            case HEARTBEAT_ACK -> expect(state == State.SERVING || state == State.DRAINING, message);
            case DRAINING -> {
                expect(state == State.SERVING || state == State.DRAINING, message);
                if (state == State.SERVING) {
                    state = State.DRAINING;
                    listener.onDraining(this, ((Message.Draining) message).reason());
                }
            }
            case ERROR -> {
                Message.Error error = (Message.Error) message;
                closeWith(new java.io.IOException(this + " closed the session: error " + error.code() + ": " + error.text()));
            }
            default -> expect(false, message);
        }
    }

    private void onChallenge(Message.Challenge challenge) {
        expect(state == State.AWAIT_CHALLENGE, challenge);
        if (challenge.version() < Protocol.MIN_VERSION || challenge.version() > Protocol.MAX_VERSION) {
            throw new ProtocolViolation("server chose protocol version " + challenge.version() + ", outside "
                    + Protocol.MIN_VERSION + ".." + Protocol.MAX_VERSION);
        }
        serverId = challenge.serverId();
        version = challenge.version();
        state = State.AWAIT_AUTH_OK;
        byte[] clientProof = proof.clientProof(version, clientNonce, challenge.serverNonce());
        expectedServerProof = proof.serverProof(version, clientNonce, challenge.serverNonce());
        channel.writeAndFlush(new Message.Auth(clientProof, (int) requestedLeaseMillis));
    }

    private void onAuthOk(Message.AuthOk ok) {
        expect(state == State.AWAIT_AUTH_OK, ok);
        if (!HandshakeProof.matches(expectedServerProof, ok.serverProof())) {
            throw new ProtocolViolation("server at " + address + " does not know the token (bad server proof)");
        }
        leaseNanos = TimeUnit.MILLISECONDS.toNanos(ok.leaseMillis());
        parameters = new SessionParameters(serverId, version, ok.sessionId(), leaseNanos, ok.maxInflight());
        state = State.SERVING;
        ready.complete(this);
        listener.onServing(this);
    }

    private void expect(boolean allowed, Message message) {
        if (!allowed) {
            throw new ProtocolViolation("unexpected " + message.type() + " in state " + state);
        }
    }

    /** The server broke the protocol; the connection closes. */
    static final class ProtocolViolation extends RuntimeException {
        ProtocolViolation(String message) {
            super(message);
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<Message> {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            onChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Message msg) {
            onMessage(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeWith(new java.io.IOException(ServerConnection.this + " closed the connection"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeWith(new java.io.IOException(ServerConnection.this + " broke the session: " + cause.getMessage(), cause));
        }
    }
}
