package org.hapager.server.session;

import io.netty.channel.ChannelFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.hapager.server.metrics.ServerMetrics;
import org.hapager.server.log.RateLimitedLog;
import org.slf4j.LoggerFactory;

/**
 * The live sessions of one server and the count of requests they have accepted and not yet released.
 * Draining uses both: {@link #startDraining} tells every session, {@link #awaitReleased} waits for the count
 * to reach zero.
 *
 * <p>{@link #fence} is the end without a drain, for a server whose storage failed: from then on no completion
 * is delivered and every connection is closed, so clients reissue what they have not seen completed.
 *
 * <p>Before authentication a connection is also kept in {@code awaitingAuthentication}, oldest first, which the
 * server caps ({@link #startHandshake}): past the cap the oldest is closed. A flood of connections that never
 * authenticate costs a bounded amount of memory, authenticated sessions go on being served, and a new client
 * still gets in: to keep it out, a flood must open the cap's worth of connections within its handshake.
 *
 * <p>Concurrency: {@code sessions} is a concurrent set; {@code unauthenticated} an atomic counter;
 * {@code draining} and {@code fenced} are volatile and only go from false to true; {@code inflight} is guarded by
 * {@code this} (waiters use its monitor).
 */
public final class Sessions {

    private final ServerMetrics metrics;
    private final RateLimitedLog warnings;
    private final BufferBudget budget;
    private final Set<SessionHandler> sessions = ConcurrentHashMap.newKeySet();
    /** The sessions of {@link #sessions} that authenticated as peers: not counted as client connections. */
    private final Set<SessionHandler> peers = ConcurrentHashMap.newKeySet();
    /**
     * Connections that have not authenticated yet and are not closed, by the order the server accepted them
     * ({@link #acceptOrder}): the event loops make connections active in their own order, and a client accepted
     * after a flood must count as newer than all of it.
     */
    private final ConcurrentSkipListMap<Long, SessionHandler> awaitingAuthentication = new ConcurrentSkipListMap<>();
    private final AtomicLong acceptOrder = new AtomicLong();
    /** How many {@code awaitingAuthentication} holds (its size() is not constant-time). */
    private final AtomicInteger unauthenticated = new AtomicInteger();
    private final AtomicLong nextSessionId = new AtomicLong(ThreadLocalRandom.current().nextLong() & 0x7fff_ffff_0000_0000L);
    /** Client sessions closing because their lease lapsed (the client went silent), until they are removed. */
    private final Set<SessionHandler> lapsed = ConcurrentHashMap.newKeySet();
    /** Called when the last client session went away by a lapsed lease; see {@link #onEveryClientLapsed}. */
    private volatile Runnable everyClientLapsed = () -> { };
    private volatile boolean draining;
    private volatile boolean fenced;
    /** Guarded by {@code this}. */
    private long inflight;

    /** Sessions without a buffer budget that matters, for tests of other things. */
    public Sessions(ServerMetrics metrics) {
        this(metrics, BufferBudget.unbounded());
    }

    public Sessions(ServerMetrics metrics, BufferBudget budget) {
        this.metrics = metrics;
        this.warnings = new RateLimitedLog(LoggerFactory.getLogger(SessionHandler.class), RateLimitedLog.DEFAULT_INTERVAL,
                System::nanoTime);
        this.budget = budget;
        metrics.bufferBudget(budget::usedBytes);
    }

    /** The payload bytes all sessions together may hold (see {@link BufferBudget}). */
    public BufferBudget budget() {
        return budget;
    }

    ServerMetrics metrics() {
        return metrics;
    }

    /** The lines any remote party can trigger (bad frames, failed proofs, refused connections), rate-limited per kind. */
    RateLimitedLog warnings() {
        return warnings;
    }

    /**
     * Counts a new connection as awaiting authentication; if {@code max} others already were, the oldest of them
     * is closed ({@link SessionHandler#evictUnauthenticated}). Each connection counted here is uncounted exactly
     * once: by {@link #handshakeEnded} when it authenticates or closes, or here when it is evicted.
     */
    void startHandshake(long accepted, SessionHandler session, int max) {
        awaitingAuthentication.put(accepted, session);
        if (unauthenticated.incrementAndGet() > max) {
            Map.Entry<Long, SessionHandler> oldest = awaitingAuthentication.pollFirstEntry();
            if (oldest != null) {
                unauthenticated.decrementAndGet();
                oldest.getValue().evictUnauthenticated(max);
            }
        }
    }

    void handshakeEnded(long accepted) {
        if (awaitingAuthentication.remove(accepted) != null) {
            unauthenticated.decrementAndGet();
        }
    }

    /** The next number in the order connections are accepted (called by the accepting thread, or on arrival). */
    long nextAcceptOrder() {
        return acceptOrder.incrementAndGet();
    }

    /** Connections awaiting authentication now. */
    public int unauthenticated() {
        return unauthenticated.get();
    }

    long newSessionId() {
        return nextSessionId.incrementAndGet();
    }

    boolean isDraining() {
        return draining;
    }

    /** True once {@link #fence} was called: nothing is answered any more. */
    boolean isFenced() {
        return fenced;
    }

    void add(SessionHandler session) {
        sessions.add(session);
        metrics.sessionOpened();
    }

    void remove(SessionHandler session) {
        if (sessions.remove(session) && !peers.remove(session)) {
            metrics.sessionClosed();
        }
        if (lapsed.remove(session) && sessions.size() == peers.size()) {
            everyClientLapsed.run();
        }
    }

    /** {@code session}'s lease lapsed and it is closing; a peer's is not counted. Called on its event loop. */
    void leaseLapsed(SessionHandler session) {
        if (sessions.contains(session) && !peers.contains(session)) {
            lapsed.add(session);
        }
    }

    /**
     * {@code action} runs (on an event loop, so it must not block) whenever a client session whose lease lapsed is
     * removed and no other connection but peers' is left: every client this server had went silent.
     */
    public void onEveryClientLapsed(Runnable action) {
        everyClientLapsed = action;
    }

    /**
     * {@code session} authenticated as a peer page server (a YIELD, the other server's holder watch): it stays in
     * this registry (drains and fences close it too) but no longer counts as a client connection.
     */
    void authenticatedAsPeer(SessionHandler session) {
        if (sessions.contains(session) && peers.add(session)) {
            metrics.sessionClosed();
        }
    }

    public int size() {
        return sessions.size();
    }

    synchronized void requestAccepted() {
        inflight++;
        metrics.requestAccepted();
    }

    synchronized void requestReleased() {
        inflight--;
        metrics.requestReleased();
        if (inflight == 0) {
            notifyAll();
        }
    }

    /** Requests accepted by any session and not yet released. */
    public synchronized long inflight() {
        return inflight;
    }

    /** From now on new requests are refused with SHUTTING_DOWN; every session is told DRAINING. */
    public void startDraining(String reason) {
        draining = true;
        for (SessionHandler s : sessions) {
            s.startDraining(reason);
        }
    }

    /** Waits until every accepted request has been released; false if {@code timeoutMillis} passed first. */
    public synchronized boolean awaitReleased(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (inflight > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /**
     * The server fenced itself: from now on no session delivers a completion (not even a failure) and every
     * connection is closed without a word, as if the process had died; a connection accepted later is closed at
     * once. Returns at once (the closes run on the event loops); callable from any thread, more than once.
     */
    public void fence() {
        fenced = true;
        for (SessionHandler s : sessions) {
            s.close();
        }
    }

    /**
     * Closes every connection whose answers have gone unread for {@code timeoutNanos} while holding budget:
     * called by a session that waits for the budget. Returns at once (each close runs on its event loop).
     */
    void evictStalled(long nowNanos, long timeoutNanos) {
        for (SessionHandler s : sessions) {
            if (s.stalledNanos(nowNanos) >= timeoutNanos) {
                s.evictIfStalled(timeoutNanos);
            }
        }
    }

    /** Closes every connection. */
    /**
     * Closes every connection and waits up to {@code timeoutMillis} until they are closed: a stop calls this
     * before it shuts the event loops down, since shutting an event loop down closes its connections at once,
     * before the tasks queued on it run (a DRAINING frame would never be sent).
     */
    public boolean closeAll(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<ChannelFuture> closing = new ArrayList<>();
        for (SessionHandler s : sessions) {
            closing.add(s.close());
        }
        for (ChannelFuture f : closing) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !f.awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
                return false;
            }
        }
        return true;
    }
}
