package org.hapager.pager.failover;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hapager.pager.record.PagerMetrics;
import org.hapager.pager.record.RecordTable;
import org.hapager.pager.session.Connection;
import org.hapager.pager.session.LeaseExpiredException;
import org.hapager.pager.session.ServerConnection;
import org.hapager.wire.Message;
import org.hapager.wire.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the client attached to one serving page server and moves it to the next when that one is lost.
 *
 * <h2>States</h2>
 * <pre>
 *          start                   serving
 *   (none) ─────► CONNECTING(i) ─────────────► SERVING(i) + STANDBY(i+1)   (standby: a session kept warm,
 *                   │   ▲                          │                          heartbeats only)
 *                   └───┘ failed: next server,     │ lost (closed, lease lapsed, NOT_RESERVED) or draining
 *                         pausing after a round    ▼
 *                                         standby serving? ── yes ──► SERVING(i+1) + STANDBY(i+2)
 *                                                 └──────── no ───► CONNECTING(i+1)
 * </pre>
 * <ul>
 *   <li><b>Hot standby.</b> While a server serves, the controller keeps an authenticated session with the
 *       next one ({@code standby}), heartbeats and all, but sends it nothing. When the serving server is lost
 *       or drains and the standby is serving, requests move to it at once: no connect, no handshake, no cold
 *       code path in the middle of a failover. A lost standby is reconnected after a pause.</li>
 *   <li>Servers are tried in configuration order, starting after the one just lost, round robin. A
 *       restarted server does not take the client back: it is only tried when the current one fails, so
 *       the client does not flap.</li>
 *   <li>On loss, the record table reissues every request that server held ({@link RecordTable#detach});
 *       requests submitted meanwhile wait QUEUED and go to the next server when it serves.</li>
 *   <li>A draining server (SIGTERM) keeps its accepted requests; new ones go to the next server as soon
 *       as it serves.</li>
 *   <li>While no server serves, queued requests wait up to the failover deadline, then fail with an error
 *       that names every server and why it could not be used ({@link RecordTable#expire}); connecting goes on,
 *       so a server that returns later serves new requests.</li>
 * </ul>
 *
 * <p>Owner: the pager's I/O thread. Every field is read and written only there.
 */
public final class FailoverController implements ServerConnection.Listener {

    private static final Logger log = LoggerFactory.getLogger(FailoverController.class);
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long EXPIRY_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** Opens a connection to one server, reporting to the given listener. */
    public interface Connector {
        Connection connect(InetSocketAddress address, ServerConnection.Listener listener);
    }

    private final List<InetSocketAddress> servers;
    private final Connector connector;
    private final RecordTable table;
    private final PagerMetrics metrics;
    private final EventLoop loop;
    private final long deadlineNanos;
    private final String[] lastProblem;
    private final CompletableFuture<InetSocketAddress> firstServing = new CompletableFuture<>();

    private Connection serving;
    private int servingIndex = -1;
    private Connection connecting;
    private int connectingIndex;
    private Connection standby;
    private int standbyIndex;
    private int standbyFailures;
    private int failedAttemptsInRow;
    private long noServerSinceNanos;
    private boolean everServed;
    private boolean closed;
    private ScheduledFuture<?> expiryTicker;

    public FailoverController(List<InetSocketAddress> servers, Connector connector, RecordTable table,
                              PagerMetrics metrics, EventLoop loop, long deadlineNanos) {
        this.servers = List.copyOf(servers);
        this.connector = connector;
        this.table = table;
        this.metrics = metrics;
        this.loop = loop;
        this.deadlineNanos = deadlineNanos;
        this.lastProblem = new String[servers.size()];
    }

    /** Starts connecting to the first server. I/O thread. */
    public void start() {
        noServerSinceNanos = loop.ticker().nanoTime();
        expiryTicker = loop.scheduleAtFixedRate(this::expireWaiting, EXPIRY_TICK_NANOS, EXPIRY_TICK_NANOS, TimeUnit.NANOSECONDS);
        connectTo(0);
    }

    /** Completes with the first server that serves. */
    public CompletableFuture<InetSocketAddress> firstServing() {
        return firstServing;
    }

    /** The serving server's address, or null. I/O thread. */
    public InetSocketAddress servingAddress() {
        return serving == null ? null : servers.get(servingIndex);
    }

    /** Index in the configuration of the serving server, or -1. I/O thread. */
    public int servingIndex() {
        return serving == null ? -1 : servingIndex;
    }

    /** Stops connecting and closes every connection. I/O thread. */
    public void close(Throwable cause) {
        closed = true;
        if (expiryTicker != null) {
            expiryTicker.cancel(false);
        }
        for (Connection c : new Connection[] {connecting, standby, serving}) {
            if (c != null) {
                c.close(cause);
            }
        }
        firstServing.completeExceptionally(cause);
    }

    /** Every server and the last problem seen with it, for error messages. */
    public String describeServers() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < servers.size(); i++) {
            if (i > 0) {
                b.append("; ");
            }
            b.append("page server ").append(servers.get(i)).append(": ")
                    .append(lastProblem[i] == null ? (i == servingIndex && serving != null ? "serving" : "not tried yet") : lastProblem[i]);
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ connection events

    @Override
    public void onServing(Connection connection) {
        if (closed || (connection != connecting && connection != standby)) {
            connection.close(new IOException("superseded"));
            return;
        }
        metrics.connectionReady();
        if (connection == standby) {
            standbyFailures = 0;
            lastProblem[standbyIndex] = null;
            log.debug("standby session with {}", connection);
            return;
        }
        connecting = null;
        failedAttemptsInRow = 0;
        switchTo(connection, connectingIndex);
    }

    /** Makes {@code connection} (serving) the one requests go to, and opens a standby to the next server. */
    private void switchTo(Connection connection, int index) {
        Connection previous = serving;
        serving = connection;
        servingIndex = index;
        lastProblem[servingIndex] = null;
        if (everServed) {
            metrics.failover();
            log.warn("failed over to {} after {} ms without a server", connection,
                    noServerSinceNanos == 0 ? 0 : (loop.ticker().nanoTime() - noServerSinceNanos) / 1_000_000);
        } else {
            log.info("serving from {} (lease {} ms, max in flight {})", connection,
                    connection.parameters().leaseNanos() / 1_000_000, connection.parameters().maxInflight());
        }
        everServed = true;
        noServerSinceNanos = 0;
        table.attach(connection);
        firstServing.complete(servers.get(servingIndex));
        if (previous != null && previous.state() != ServerConnection.State.DRAINING) {
            previous.close(new IOException("replaced by " + connection));
        }
        openStandby();
    }

    private void openStandby() {
        if (closed || servers.size() < 2 || standby != null || serving == null) {
            return;
        }
        standbyIndex = next(servingIndex);
        standby = connector.connect(servers.get(standbyIndex), this);
    }

    /** The standby, if its session is serving, takes over at once; returns whether it did. */
    private boolean promoteStandby() {
        if (standby == null || !standby.isServing()) {
            return false;
        }
        Connection promoted = standby;
        standby = null;
        if (connecting != null) {
            connecting.close(new IOException("superseded by the standby " + promoted));
            connecting = null;
        }
        switchTo(promoted, standbyIndex);
        return true;
    }

    @Override
    public void onAccepted(Connection connection, long requestId) {
        table.onAccepted(connection, requestId);
    }

    @Override
    public void onCompletion(Connection connection, Message.Completion completion) {
        boolean executed = table.onCompletion(connection, completion);
        if (!executed && completion.status() == Status.NOT_RESERVED) {
            // The server cannot take the shared storage: the requests it refused go to the next one.
            connection.close(new IOException(connection + " does not hold the storage reservation: " + completion.error()));
        }
    }

    @Override
    public void onDraining(Connection connection, String reason) {
        log.info("{} is draining ({}): new requests go to the next server", connection, reason);
        if (connection == standby) {
            standby = null;
            connection.close(new IOException(connection + " is draining"));
            return;
        }
        if (connection == serving && connecting == null && !closed && !promoteStandby()) {
            connectTo(next(servingIndex));
        }
    }

    @Override
    public void onLost(Connection connection, Throwable cause) {
        int index = servers.indexOf(connection.address());
        if (index >= 0) {
            lastProblem[index] = cause.getMessage();
        }
        if (cause instanceof LeaseExpiredException) {
            metrics.leaseExpired();
        }
        if (connection.parameters() != null) {
            metrics.connectionLost();
        }
        table.detach(connection);
        if (closed) {
            return;
        }
        if (connection == standby) {
            standby = null;
            standbyFailures++;
            long pause = Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(standbyFailures, 10));
            loop.schedule(this::openStandby, pause, TimeUnit.NANOSECONDS);
        } else if (connection == serving) {
            log.warn("lost {}: {}", connection, cause.getMessage());
            serving = null;
            noServerSinceNanos = loop.ticker().nanoTime();
            if (!promoteStandby() && connecting == null) {
                if (standby != null) { // still in its handshake: let it become the next server
                    connecting = standby;
                    connectingIndex = standbyIndex;
                    standby = null;
                } else {
                    connectTo(next(servingIndex));
                }
            }
        } else if (connection == connecting) {
            connecting = null;
            failedAttemptsInRow++;
            int nextIndex = next(connectingIndex);
            if (failedAttemptsInRow % servers.size() != 0) {
                connectTo(nextIndex);
            } else {
                // a whole round failed: pause before the next, doubling up to a limit
                int rounds = failedAttemptsInRow / servers.size();
                long pause = Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(rounds - 1, 10));
                loop.schedule(() -> {
                    if (!closed && connecting == null && (serving == null || serving.state() == ServerConnection.State.DRAINING)) {
                        connectTo(nextIndex);
                    }
                }, pause, TimeUnit.NANOSECONDS);
            }
        }
        table.sendReady();
    }

    private void connectTo(int index) {
        connectingIndex = index;
        connecting = connector.connect(servers.get(index), this);
    }

    private int next(int index) {
        return (index + 1) % servers.size();
    }

    private void expireWaiting() {
        if (serving == null && !closed) {
            table.expire(noServerSinceNanos, deadlineNanos, describeServers());
        }
    }
}
