package org.hapager.server.reservation;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.hapager.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server's own view of whether the reservation's holder answers, kept while another server holds it: a
 * peer session to the holder the lock file names, a HEARTBEAT every interval, and when the last HEARTBEAT_ACK
 * came. An {@link Acquisition} asks it first: a holder this server has not heard from for a whole fence timeout
 * is fenced at once, instead of being given one more fence timeout to answer a YIELD it cannot answer (frozen,
 * or cut off). So a frozen holder is replaced about a fence timeout sooner, once a client asks this server to
 * serve, and a holder is still never fenced before it was silent for a fence timeout.
 *
 * <p>It is only a shortcut to the fence; nothing in the reservation's safety argument rests on it: fencing is
 * safe whenever it happens. A holder the watch has heard from recently, or never, is asked to yield as before.
 *
 * <p>States, on the watch's thread: IDLE (no other holder named, or this server holds) → CONNECTING (a session
 * to the named holder, bounded by one interval) → WATCHING (a heartbeat each interval, its answer awaited for
 * one interval) → back to IDLE or CONNECTING when the holder line names someone else, the session fails, or an
 * answer is late. {@code watched} and {@code lastHeardNanos} are written only there, read by the acquisition.
 */
final class HolderWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HolderWatch.class);

    private final LockFile lockFile;
    private final Holder self;
    private final YieldClient peers;
    private final long intervalNanos;
    /** A silence this long is logged, once per silence: past it, a takeover fences the holder at once. */
    private final long fenceTimeoutNanos;
    private final LongSupplier clock;
    private final Thread thread;

    /** The holder heard from at {@link #lastHeardNanos}; null until a first answer. */
    private volatile Holder watched;
    private volatile long lastHeardNanos;
    private volatile boolean closed;
    /** The watch's thread logged the current silence already. */
    private boolean silenceLogged;

    /**
     * @param intervalNanos     between heartbeats, and how long an answer (or a connection) may take
     * @param fenceTimeoutNanos the reservation's fence timeout, for the log line of a long silence
     * @param clock             {@link System#nanoTime()} in production
     */
    HolderWatch(LockFile lockFile, Holder self, YieldClient peers, long intervalNanos, long fenceTimeoutNanos,
                LongSupplier clock) {
        this.fenceTimeoutNanos = fenceTimeoutNanos;
        this.lockFile = lockFile;
        this.self = self;
        this.peers = peers;
        this.intervalNanos = intervalNanos;
        this.clock = clock;
        this.thread = new Thread(this::run, "holder-watch");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * How long {@code holder} has been silent to this watch: the time since its last heartbeat answer, or -1 when
     * the watch has not heard this very holder (never watched, or another holder since).
     */
    long silentNanos(Holder holder) {
        Holder heard = watched;
        long at = lastHeardNanos;
        return holder.equals(heard) ? clock.getAsLong() - at : -1;
    }

    private void run() {
        long sequence = 0;
        while (!closed) {
            Holder holder = namedHolder();
            if (holder == null) {
                LockSupport.parkNanos(intervalNanos);
                continue;
            }
            try (YieldClient.PeerSession session = peers.open(holder, "holder watch of ", clock.getAsLong() + intervalNanos,
                    10 * TimeUnit.NANOSECONDS.toMillis(intervalNanos) + 1_000)) {
                heard(holder);
                while (!closed && holder.equals(namedHolder())) {
                    long sentAt = clock.getAsLong();
                    session.send(new Message.Heartbeat(++sequence));
                    awaitAck(session, sequence, sentAt + intervalNanos);
                    heard(holder);
                    LockSupport.parkNanos(sentAt + intervalNanos - clock.getAsLong());
                }
            } catch (IOException | RuntimeException e) {
                log.debug("holder watch: {} did not answer: {}", holder.describe(), e.toString());
                long silent = silentNanos(holder);
                if (silent >= fenceTimeoutNanos && !silenceLogged) {
                    silenceLogged = true;
                    log.info("holder watch: {} has not answered for {} ms, longer than the fence timeout of {} ms: "
                            + "a takeover fences it without asking it to yield", holder.describe(),
                            TimeUnit.NANOSECONDS.toMillis(silent), TimeUnit.NANOSECONDS.toMillis(fenceTimeoutNanos));
                }
                LockSupport.parkNanos(intervalNanos);
            }
        }
    }

    private void awaitAck(YieldClient.PeerSession session, long sequence, long deadlineNanos) throws IOException {
        while (true) {
            Message m = session.receive(deadlineNanos);
            if (m instanceof Message.HeartbeatAck ack && ack.sequence() == sequence) {
                return;
            }
            if (!(m instanceof Message.HeartbeatAck || m instanceof Message.Draining)) {
                throw new IOException(session.holder().describe() + " answered a heartbeat with " + m.getClass().getSimpleName());
            }
        }
    }

    private void heard(Holder holder) {
        lastHeardNanos = clock.getAsLong();
        if (!holder.equals(watched)) {
            log.info("holder watch: watching {}, a heartbeat every {} ms", holder.describe(),
                    TimeUnit.NANOSECONDS.toMillis(intervalNanos));
        }
        watched = holder;
        silenceLogged = false;
    }

    /** The holder the lock file names, or null if none, malformed, or this server itself. */
    private Holder namedHolder() {
        try {
            Holder holder = Holder.parse(lockFile.readLine());
            return holder.pid() == self.pid() && holder.serverId().equals(self.serverId()) ? null : holder;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }
}
