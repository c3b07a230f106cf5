package org.hapager.server.session;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hapager.wire.FrameDecoder;
import org.hapager.wire.FrameEncoder;
import org.hapager.wire.MessageCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening socket and its event loops: native epoll when {@link Epoll#isAvailable()}, NIO otherwise.
 * Each accepted connection gets {@code FrameDecoder → FrameEncoder (shared) → SessionHandler}; the decoder reads
 * handshake-sized frames only until the session has authenticated ({@link FrameDecoder#forHandshake}). A
 * connection is unwritable past Netty's default write-buffer high mark (64 KiB), and its session then stops reading
 * it; larger marks (512 KiB / 2 MiB) cost a quarter of the QD64 read throughput in {@code hapager bench}.
 *
 * <p>Lifecycle: {@link #bind} → {@link #stopAccepting} → {@link #drain} → {@link #close}; the owner (the
 * {@code PageServer}) calls these from one thread.
 */
public final class SessionServer implements AutoCloseable {

    /** What every connection's pipeline shares; the encoder is stateless. */
    private static final class Shared {
        final SessionSettings settings;
        final MessageCodec codec;
        final FrameEncoder encoder;

        Shared(SessionSettings settings) {
            this.settings = settings;
            this.codec = new MessageCodec(settings.limits());
            this.encoder = new FrameEncoder(codec);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(SessionServer.class);
    /** How long {@link #close} waits for the event loops to stop. */
    private static final long CLOSE_WAIT_SECONDS = 5;

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final Channel serverChannel;
    private final Sessions sessions;
    private final String transport;

    private SessionServer(EventLoopGroup bossGroup, EventLoopGroup workerGroup, Channel serverChannel,
                          Sessions sessions, String transport) {
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.serverChannel = serverChannel;
        this.sessions = sessions;
        this.transport = transport;
    }

    /**
     * Binds {@code address} (port 0 picks a free one) and starts accepting.
     *
     * @param settingsFor      the sessions' settings, given the bound address (the default server id names the
     *                         real port); called once, before the first connection is accepted
     * @param executors        gives each new connection the executor of its storage requests (the reservation's
     *                         gate for that connection)
     * @param yields           answers a peer server's YIELD
     * @param eventLoopThreads threads running connections' handlers (not the storage I/O)
     */
    public static SessionServer bind(InetSocketAddress address, Function<InetSocketAddress, SessionSettings> settingsFor,
                                     Supplier<OpExecutor> executors, YieldHandler yields, Sessions sessions,
                                     int eventLoopThreads) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, factory);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(eventLoopThreads, factory);
        AtomicReference<Shared> shared = new AtomicReference<>();
        try {
            Channel channel = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelClass)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.AUTO_READ, false) // accept nothing until the settings are known
                    .handler(new ChannelInboundHandlerAdapter() { // on the one accepting thread, in accept order
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object accepted) {
                            ((Channel) accepted).attr(SessionHandshake.ACCEPTED).set(sessions.nextAcceptOrder());
                            ctx.fireChannelRead(accepted);
                        }
                    })
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            Shared s = shared.get();
                            // merges the flushes of completions that arrive together into one write(2)
                            ch.pipeline().addLast("flushes", new FlushConsolidationHandler(256, true));
                            // HELLO and AUTH only until the session has authenticated (it raises the bound then)
                            ch.pipeline().addLast("decoder", FrameDecoder.forHandshake(s.codec));
                            ch.pipeline().addLast("encoder", s.encoder);
                            ch.pipeline().addLast("session", new SessionHandler(s.settings, executors.get(), yields, sessions));
                        }
                    })
                    .bind(address).sync().channel();
            shared.set(new Shared(settingsFor.apply((InetSocketAddress) channel.localAddress())));
            channel.config().setAutoRead(true);
            return new SessionServer(boss, workers, channel, sessions, epoll ? "epoll" : "nio");
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** "epoll" or "nio". */
    public String transport() {
        return transport;
    }

    public Sessions sessions() {
        return sessions;
    }

    /** Closes the listening socket; live connections stay. */
    public void stopAccepting() {
        serverChannel.close().syncUninterruptibly();
    }

    /**
     * Sends DRAINING to every session, refuses new requests, and waits until every accepted request has been
     * completed and flushed. Returns false if {@code timeoutMillis} passed first.
     */
    public boolean drain(String reason, long timeoutMillis) throws InterruptedException {
        sessions.startDraining(reason);
        return sessions.awaitReleased(timeoutMillis);
    }

    /** Closes every connection and stops the event loops. */
    @Override
    public void close() {
        serverChannel.close();
        if (!sessions.closeAll(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS))) {
            log.warn("connections still open {} s after close; the event loops close them", CLOSE_WAIT_SECONDS);
        }
        // bounded: a stop must end even if an event loop does not (the process exits after this)
        for (EventLoopGroup group : new EventLoopGroup[] {workerGroup, bossGroup}) {
            if (!group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.error("event loops still running {} s after close; the process exits without them", CLOSE_WAIT_SECONDS);
            }
        }
    }
}
