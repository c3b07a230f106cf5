package org.hapager.pager.failover;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hapager.pager.metrics.PagerMetrics;
import org.hapager.pager.record.RecordTable;
import org.hapager.pager.session.Connection;
import org.hapager.pager.session.LeaseExpiredException;
import org.hapager.pager.session.ServerConnection;
import org.hapager.wire.Message;
import org.hapager.wire.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the client attached to one serving page server and moves it to the next when that one is lost or
 * drains: the owner of the failover state machine, as {@link RecordTable} is the owner of the records'.
 *
 * <h2>States</h2>
 * <pre>
 *          start()                 onServing(connecting)
 *   NEW ─────────────► CONNECTING ─────────────────────────► SERVING ◄──┐
 *                       │  ▲  ▲                               │   │     │ onLost(serving) or onDraining(serving)
 *   onLost(connecting): └──┘  │ onLost(serving),              │   └─────┘ with the standby serving: promote it
 *   the next server, or       │ standby not serving           │           (no connect, no handshake)
 *   a pause after a round     └───────────────────────────────┤
 *                                                             │ onDraining(serving), standby not serving
 *                       onLost(serving): the drain ended      ▼
 *             CONNECTING ◄─────────────────────────────── DRAINING ──onServing(connecting)──► SERVING
 *
 *   any ── close() ──► CLOSED
 * </pre>
 * <ul>
 *   <li>NEW: created; {@link #start} connects to the first server.</li>
 *   <li>CONNECTING: no server takes requests. {@code connecting} is the attempt under way, or a pause after a
 *       failed round is scheduled ({@code retryPending}). Requests wait QUEUED, each until the deadline.</li>
 *   <li>SERVING: {@code serving} takes requests; {@code standby}, while open, is an authenticated session
 *       with the next server that gets heartbeats and nothing else, so that a failover needs no connect and
 *       no handshake.</li>
 *   <li>DRAINING: {@code serving} drains (it completes what it accepted and takes nothing new) and no
 *       successor serves yet: one is being connected to, as in CONNECTING, and requests wait, each until the
 *       deadline, which counts from the start of the drain, not from its end.</li>
 *   <li>CLOSED: final; every connection is closed.</li>
 * </ul>
 * A draining server that a successor replaced keeps its session open until it has completed what it
 * accepted ({@code retired}), then closes; that changes no state.
 *
 * <h2>Transitions, and the method behind each</h2>
 * <ul>
 *   <li>{@link #start}: NEW → CONNECTING.</li>
 *   <li>{@link #onServing}: CONNECTING or DRAINING → SERVING when the attempt under way serves
 *       ({@link #switchTo}); the draining server, if any, becomes retired. A standby that serves changes
 *       nothing but is now ready.</li>
 *   <li>{@link #onDraining}: SERVING → SERVING with the standby promoted if it serves, else → DRAINING
 *       ({@link #replaceServing}).</li>
 *   <li>{@link #onLost}: SERVING → SERVING with the standby promoted, or → CONNECTING
 *       ({@link #replaceServing}); DRAINING → CONNECTING (the successor attempt goes on, the deadline keeps
 *       running); CONNECTING → CONNECTING with the next server, or a pause after a whole failed round. The
 *       record table reissues every request the lost session held ({@link RecordTable#detach}).</li>
 *   <li>{@link #close}: any → CLOSED.</li>
 *   <li>{@link #expireWaiting}, every {@value #EXPIRY_TICK_MILLIS} ms: in CONNECTING and DRAINING, requests
 *       that waited longer than the deadline since the later of their admission and the moment the last
 *       server stopped serving fail ({@link RecordTable#expire}); in SERVING, a replay of kept copies that a
 *       send guard holds asks the guard again ({@link RecordTable#retryHeldReplay}).</li>
 * </ul>
 * Servers are tried in configuration order, starting after the one just lost, round robin. A restarted
 * server does not take the client back: it is only tried when the current one fails, so the client does
 * not flap.
 *
 * <h2>Invariants (checked by {@link #assertInvariants})</h2>
 * <ol>
 *   <li>SERVING ⇔ {@code serving} is SERVING and is the record table's current session; then nothing is
 *       being connected to.</li>
 *   <li>DRAINING ⇔ {@code serving} is DRAINING; it is still the table's current session, which sends it
 *       nothing.</li>
 *   <li>CONNECTING ⇒ no {@code serving} and the table has no current session.</li>
 *   <li>CONNECTING or DRAINING ⇒ exactly one of: an attempt under way ({@code connecting}) or a retry
 *       pending; no standby; and {@code noServerSinceNanos}, when the last server stopped serving, is not in
 *       the future.</li>
 *   <li>A standby exists only in SERVING, to another server than the serving one.</li>
 *   <li>{@code serving}, {@code connecting}, {@code standby} and the retired sessions are distinct, and
 *       none of them is CLOSED (a session leaves every field when it is lost); retired ones are DRAINING.</li>
 *   <li>CLOSED ⇒ no session in any field.</li>
 * </ol>
 *
 * <p>Time is the event loop's ticker, so that tests can step the controller on an embedded loop.
 *
 * <p>Owner: the pager's I/O thread. Every field is read and written only there.
 */
public final class FailoverController implements ServerConnection.Listener {

    /** The controller's states; see the class comment. */
    public enum State { NEW, CONNECTING, SERVING, DRAINING, CLOSED }

    private static final Logger log = LoggerFactory.getLogger(FailoverController.class);
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** How often waiting requests are checked against the deadline: they fail at most this late. */
    private static final long EXPIRY_TICK_MILLIS = 50;

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

    private State state = State.NEW;
    /** SERVING: the server requests go to; DRAINING: the one draining. */
    private Connection serving;
    private int servingIndex = -1;
    private Connection connecting;
    private int connectingIndex;
    private boolean retryPending;
    private Connection standby;
    private int standbyIndex;
    private int standbyFailures;
    /** Draining servers a successor replaced, finishing what they accepted. */
    private final List<Connection> retired = new ArrayList<>();
    private int failedAttemptsInRow;
    /** CONNECTING and DRAINING: when the last server stopped serving (lost, or began to drain). */
    private long noServerSinceNanos;
    private boolean everServed;
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

    /** NEW → CONNECTING: connects to the first server. I/O thread. */
    public void start() {
        if (state != State.NEW) {
            throw new IllegalStateException("failover controller started in state " + state);
        }
        state = State.CONNECTING;
        noServerSinceNanos = now();
        expiryTicker = loop.scheduleAtFixedRate(this::expireWaiting, EXPIRY_TICK_MILLIS, EXPIRY_TICK_MILLIS, TimeUnit.MILLISECONDS);
        connectTo(0);
    }

    /** Completes with the first server that serves. */
    public CompletableFuture<InetSocketAddress> firstServing() {
        return firstServing;
    }

    public State state() {
        return state;
    }

    /** The address of the server requests go to (or the one draining, with no successor yet), or null. */
    public InetSocketAddress servingAddress() {
        return serving == null ? null : servers.get(servingIndex);
    }

    /** Index in the configuration of the server requests go to, or -1. I/O thread. */
    public int servingIndex() {
        return state == State.SERVING ? servingIndex : -1;
    }

    /** Any → CLOSED: stops connecting and closes every connection. I/O thread. */
    public void close(Throwable cause) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (expiryTicker != null) {
            expiryTicker.cancel(false);
        }
        List<Connection> all = new ArrayList<>(retired);
        for (Connection c : new Connection[] {connecting, standby, serving}) {
            if (c != null) {
                all.add(c);
            }
        }
        connecting = standby = serving = null;
        retired.clear();
        retryPending = false;
        all.forEach(c -> c.close(cause));
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
                    .append(lastProblem[i] == null ? (i == servingIndex() ? "serving" : "not tried yet") : lastProblem[i]);
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ connection events

    @Override
    public void onServing(Connection connection) {
        if (connection == standby) {
            metrics.connectionReady();
            standbyFailures = 0;
            lastProblem[standbyIndex] = null;
            log.debug("standby session with {}", connection);
        } else if (connection == connecting) {
            metrics.connectionReady();
            connecting = null;
            failedAttemptsInRow = 0;
            switchTo(connection, connectingIndex);
        } else {
            connection.close(new IOException("superseded"));
        }
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
            scheduleStandby();
        } else if (connection == serving && state == State.SERVING) {
            replaceServing(true);
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
        if (connection == standby) {
            standby = null;
            scheduleStandby();
        } else if (connection == serving) {
            log.warn("lost {}: {}", connection, cause.getMessage());
            if (state == State.SERVING) {
                replaceServing(false);
            } else { // DRAINING: the successor attempt goes on; the deadline keeps counting from the drain
                serving = null;
                state = State.CONNECTING;
            }
        } else if (connection == connecting) {
            connecting = null;
            attemptFailed();
        } else {
            retired.remove(connection);
        }
        table.sendReady();
    }

    // ------------------------------------------------------------------ transitions

    /**
     * SERVING, and the serving server drains ({@code draining}) or is lost: the standby takes over if it
     * serves (SERVING), else the next server is connected to (DRAINING or CONNECTING); a standby still in
     * its handshake becomes that attempt.
     */
    private void replaceServing(boolean draining) {
        int previousIndex = servingIndex;
        noServerSinceNanos = now();
        if (!draining) {
            serving = null;
        }
        if (standby != null && standby.isServing()) {
            Connection promoted = standby;
            standby = null;
            switchTo(promoted, standbyIndex);
            return;
        }
        state = draining ? State.DRAINING : State.CONNECTING;
        if (standby != null) {
            connecting = standby;
            connectingIndex = standbyIndex;
            standby = null;
        } else {
            connectTo(next(previousIndex));
        }
    }

    /**
     * CONNECTING or DRAINING (or SERVING, promoting the standby) → SERVING: {@code connection} is the one
     * requests go to; a draining predecessor is retired; a standby to the next server is opened.
     */
    private void switchTo(Connection connection, int index) {
        Connection previous = serving;
        if (previous != null) { // draining: it finishes what it accepted, then closes
            retired.add(previous);
        }
        serving = connection;
        servingIndex = index;
        lastProblem[index] = null;
        if (everServed) {
            metrics.failover();
            log.warn("failed over to {} after {} ms without a server", connection, (now() - noServerSinceNanos) / 1_000_000);
        } else {
            log.info("serving from {} (lease {} ms, max in flight {})", connection,
                    connection.parameters().leaseNanos() / 1_000_000, connection.parameters().maxInflight());
        }
        everServed = true;
        state = State.SERVING;
        table.attach(connection);
        firstServing.complete(servers.get(index));
        openStandby();
    }

    /** An attempt failed: the next server, or after a whole failed round a pause, doubling up to a limit. */
    private void attemptFailed() {
        if (state != State.CONNECTING && state != State.DRAINING) {
            return;
        }
        failedAttemptsInRow++;
        int nextIndex = next(connectingIndex);
        if (failedAttemptsInRow % servers.size() != 0) {
            connectTo(nextIndex);
            return;
        }
        int rounds = failedAttemptsInRow / servers.size();
        long pause = Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(rounds - 1, 10));
        retryPending = true;
        loop.schedule(() -> {
            if (retryPending) {
                retryPending = false;
                connectTo(nextIndex);
            }
        }, pause, TimeUnit.NANOSECONDS);
    }

    private void openStandby() {
        if (state == State.SERVING && servers.size() > 1 && standby == null) {
            standbyIndex = next(servingIndex);
            standby = connector.connect(servers.get(standbyIndex), this);
        }
    }

    /** A lost standby is reopened after a pause that doubles with each failure in a row. */
    private void scheduleStandby() {
        standbyFailures++;
        long pause = Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(standbyFailures, 10));
        loop.schedule(this::openStandby, pause, TimeUnit.NANOSECONDS);
    }

    private void connectTo(int index) {
        connectingIndex = index;
        connecting = connector.connect(servers.get(index), this);
    }

    private int next(int index) {
        return (index + 1) % servers.size();
    }

    private long now() {
        return loop.ticker().nanoTime();
    }

    /** In CONNECTING and DRAINING: fails what has waited past the deadline; in SERVING: retries a held replay. */
    private void expireWaiting() {
        if (state == State.CONNECTING || state == State.DRAINING) {
            table.expire(noServerSinceNanos, deadlineNanos, describeServers());
        } else if (state == State.SERVING) {
            table.retryHeldReplay();
        }
    }

    // ------------------------------------------------------------------ invariants

    /** Checks the invariants in the class comment; tests call it after every step. I/O thread. */
    public void assertInvariants() {
        switch (state) {
            case NEW, CLOSED -> check(serving == null && connecting == null && standby == null && retired.isEmpty(),
                    "sessions are open in state " + state); // 7
            case SERVING -> {
                check(serving != null && serving.isServing() && table.current() == serving, "SERVING but " + serving
                        + " is " + (serving == null ? "absent" : serving.state()) + " and the table sends to " + table.current()); // 1
                check(connecting == null && !retryPending, "SERVING while connecting to " + connecting
                        + (retryPending ? " (retry pending)" : "")); // 1
            }
            case DRAINING -> check(serving != null && serving.state() == ServerConnection.State.DRAINING
                    && table.current() == serving, "DRAINING but " + serving + " is " + (serving == null ? "absent" : serving.state())); // 2
            case CONNECTING -> check(serving == null && table.current() == null,
                    "CONNECTING with " + serving + " serving and the table sending to " + table.current()); // 3
        }
        if (state == State.CONNECTING || state == State.DRAINING) { // 4
            check((connecting != null) != retryPending, "in " + state + ", connecting to " + connecting + " with a retry "
                    + (retryPending ? "also " : "not ") + "pending");
            check(standby == null, "a standby in " + state);
            check(now() - noServerSinceNanos >= 0, "without a server since a time in the future in " + state);
        }
        if (standby != null) { // 5
            check(state == State.SERVING && standbyIndex != servingIndex, "standby to server " + standbyIndex + " in "
                    + state + ", serving server " + servingIndex);
        }
        List<Connection> all = new ArrayList<>(retired); // 6
        for (Connection c : new Connection[] {serving, connecting, standby}) {
            if (c != null) {
                all.add(c);
            }
        }
        for (int i = 0; i < all.size(); i++) {
            check(all.get(i).state() != ServerConnection.State.CLOSED, all.get(i) + " is CLOSED but still held");
            for (int j = i + 1; j < all.size(); j++) {
                check(all.get(i) != all.get(j), all.get(i) + " is held twice");
            }
        }
        for (Connection c : retired) {
            check(c.state() == ServerConnection.State.DRAINING, "retired " + c + " is " + c.state());
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("failover controller invariant broken: " + what);
        }
    }
}
