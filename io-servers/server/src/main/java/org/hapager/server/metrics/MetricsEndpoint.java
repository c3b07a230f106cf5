package org.hapager.server.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} in the Prometheus text format, on one event-loop thread of its own: no
 * connection can hold the thread, so a client that sends half a request or never reads the answer delays
 * nobody. Bounded: a request line and headers of at most {@value #MAX_HEADER_BYTES} bytes, no body,
 * {@value #MAX_CONNECTIONS} connections (a new one closes the oldest), and a connection that sends nothing for
 * {@value #IDLE_SECONDS} s is closed. Anything but {@code GET /metrics} is a 404 (405 for another method); a
 * scrape that fails is a 500, logged.
 */
public final class MetricsEndpoint implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);
    static final int MAX_HEADER_BYTES = 8192;
    static final int MAX_CONNECTIONS = 64;
    static final int IDLE_SECONDS = 10;

    private final EventLoopGroup group;
    private final Channel channel;
    /** The open connections, oldest first. */
    private final Deque<Channel> connections;

    private MetricsEndpoint(EventLoopGroup group, Channel channel, Deque<Channel> connections) {
        this.group = group;
        this.channel = channel;
        this.connections = connections;
    }

    /** Binds {@code address} and starts serving; port 0 picks a free port (see {@link #address()}). */
    public static MetricsEndpoint start(InetSocketAddress address, PrometheusMeterRegistry registry) throws IOException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("metrics-http", true),
                NioIoHandler.newFactory());
        Deque<Channel> connections = new ConcurrentLinkedDeque<>(); // oldest first
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            connections.add(ch);
                            ch.closeFuture().addListener(f -> connections.remove(ch));
                            if (connections.size() > MAX_CONNECTIONS) {
                                Channel oldest = connections.poll(); // a held connection must not keep a scrape out
                                if (oldest != null) {
                                    oldest.close();
                                }
                            }
                            ch.pipeline().addLast(new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS),
                                    new HttpServerCodec(MAX_HEADER_BYTES, MAX_HEADER_BYTES, MAX_HEADER_BYTES),
                                    new HttpObjectAggregator(0),
                                    new Scrapes(registry));
                        }
                    })
                    .bind(address).sync().channel();
            return new MetricsEndpoint(group, channel, connections);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IOException("interrupted binding the metrics endpoint to " + address, e);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IOException("cannot bind the metrics endpoint to " + address + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Answers each request of one connection. */
    private static final class Scrapes extends SimpleChannelInboundHandler<FullHttpRequest> {

        private final PrometheusMeterRegistry registry;

        Scrapes(PrometheusMeterRegistry registry) {
            this.registry = registry;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (!request.decoderResult().isSuccess()) {
                answer(ctx, request, HttpResponseStatus.BAD_REQUEST, "bad request\n", false);
            } else if (!"/metrics".equals(new QueryStringDecoder(request.uri()).path())) {
                answer(ctx, request, HttpResponseStatus.NOT_FOUND, "not found: GET /metrics\n", HttpUtil.isKeepAlive(request));
            } else if (!HttpMethod.GET.equals(request.method())) {
                answer(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n", HttpUtil.isKeepAlive(request));
            } else {
                String body;
                HttpResponseStatus status = HttpResponseStatus.OK;
                try {
                    body = registry.scrape();
                } catch (RuntimeException e) {
                    log.error("GET /metrics failed: {}", e.toString(), e);
                    status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
                    body = "scrape failed\n";
                }
                answer(ctx, request, status, body, HttpUtil.isKeepAlive(request));
            }
        }

        private static void answer(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
                                   String body, boolean keepAlive) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            HttpUtil.setContentLength(response, response.content().readableBytes());
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("metrics connection from {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    /** Stops listening, closes every connection (so a client's kept-alive one is not left open), stops the thread. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        for (Channel c : connections) {
            c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
