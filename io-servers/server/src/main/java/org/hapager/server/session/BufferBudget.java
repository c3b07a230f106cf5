package org.hapager.server.session;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.hapager.server.log.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The payload bytes a server's sessions may hold at once: the data of the writes they are executing and of the
 * reads whose answers they have not yet flushed to the socket. A session reserves a request's bytes before it
 * executes the request and releases them once the completion is flushed or dropped, so the server's payload
 * memory stays under {@link #maxBytes} (about twice that in buffers, since a read's answer briefly exists both
 * as the read buffer and as the encoded frame), whatever its clients do. Each session also keeps its own share
 * under {@link #maxConnectionBytes}.
 *
 * <p>A session that cannot reserve stops reading its socket and asks to be woken ({@link #reserveOrWait}); every
 * {@link #release} wakes the sessions waiting, which try again on their own event loops. The first refusal, and
 * then one every 10 s at most ({@link RateLimitedLog}), is logged. While a session waits, the sessions whose
 * answers have gone unread for {@link #stallTimeoutNanos} are closed (a slow consumer cannot keep the budget from
 * the others longer than that; see {@code ConnectionBackpressure}).
 *
 * <p>Thread-safe: the count is atomic; waiters are a concurrent queue. A waiter that registers just after a
 * release cannot be forgotten: it tries once more after registering.
 */
public final class BufferBudget {

    private static final Logger log = LoggerFactory.getLogger(BufferBudget.class);

    private final long maxBytes;
    private final long maxConnectionBytes;
    private final long stallTimeoutNanos;
    private final AtomicLong used = new AtomicLong();
    private final Queue<Runnable> waiters = new ConcurrentLinkedQueue<>();
    private final RateLimitedLog warnings;

    /**
     * @param maxBytes           payload bytes all sessions together may hold
     * @param maxConnectionBytes payload bytes one session may hold; at least the largest request
     * @param stallTimeoutMillis while a session waits for the budget, a session whose answers have gone unread
     *                           this long is closed, giving its share back
     * @param nanoClock          for the rate limit of the log line
     */
    public BufferBudget(long maxBytes, long maxConnectionBytes, long stallTimeoutMillis, LongSupplier nanoClock) {
        if (maxConnectionBytes < 1 || maxBytes < maxConnectionBytes) {
            throw new IllegalArgumentException("budget " + maxBytes + " bytes, per connection " + maxConnectionBytes
                    + " (expected: 1 <= per connection <= budget)");
        }
        this.maxBytes = maxBytes;
        this.maxConnectionBytes = maxConnectionBytes;
        if (stallTimeoutMillis < 1) {
            throw new IllegalArgumentException("stallTimeoutMillis : " + stallTimeoutMillis + " (expected: >= 1)");
        }
        this.stallTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(stallTimeoutMillis);
        this.warnings = new RateLimitedLog(log, RateLimitedLog.DEFAULT_INTERVAL, nanoClock);
    }

    /** A budget too large to matter, for tests of other things. */
    public static BufferBudget unbounded() {
        return new BufferBudget(Long.MAX_VALUE / 2, Long.MAX_VALUE / 2, Long.MAX_VALUE / 4_000_000, System::nanoTime);
    }

    public long maxBytes() {
        return maxBytes;
    }

    public long maxConnectionBytes() {
        return maxConnectionBytes;
    }

    /** How long a session's answers may go unread while others wait for the budget. */
    public long stallTimeoutNanos() {
        return stallTimeoutNanos;
    }

    /** Bytes reserved now, all sessions. */
    public long usedBytes() {
        return used.get();
    }

    /** Reserves {@code bytes} if they fit. */
    boolean tryReserve(long bytes) {
        while (true) {
            long now = used.get();
            if (now + bytes > maxBytes) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /**
     * Reserves {@code bytes}, or registers {@code wake} to run (on the releasing thread) after the next release
     * and returns false. {@code wake} must only hop to its session's event loop.
     */
    boolean reserveOrWait(long bytes, Runnable wake) {
        if (tryReserve(bytes)) {
            return true;
        }
        waiters.add(wake);
        if (tryReserve(bytes)) { // a release between the first try and the add woke nobody
            waiters.remove(wake);
            return true;
        }
        refused(bytes);
        return false;
    }

    /** Gives back {@code bytes} and wakes every waiting session. */
    void release(long bytes) {
        long now = used.addAndGet(-bytes);
        assert now >= 0 : "released more than reserved: " + now;
        Runnable wake;
        while ((wake = waiters.poll()) != null) {
            wake.run();
        }
    }

    private void refused(long bytes) {
        warnings.warn("budget", "buffer budget of {} MiB is full ({} bytes held, {} more asked): connections stop being"
                + " read until answers are flushed (--max-buffer-mib)", maxBytes >> 20, used.get(), bytes);
    }
}
