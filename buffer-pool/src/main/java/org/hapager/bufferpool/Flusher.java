package org.hapager.bufferpool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background flusher: a daemon thread that writes back unpinned DIRTY frames, so that fixes find clean
 * victims and a crash or a sync has less to write. It starts buffered write-backs ({@code WriteBack.start}
 * with cause FLUSHER: DIRTY → WRITING, the frame pinned by its I/O, never under any pin; the page is durable
 * after the volume's next barrier, which a sync issues) when
 * <ul>
 *   <li>more than {@code flushHighWater} of the frames are DIRTY: then oldest first until at most
 *       {@code flushLowWater} of them are, and</li>
 *   <li>a page has been DIRTY for {@code flushMaxAge} (a page whose write-back failed waits that long again
 *       before the flusher retries it),</li>
 * </ul>
 * with at most {@code flushMaxInFlight} of its write-backs in flight. It works in rounds ({@link #round}): each
 * decides what is due ({@link #startDue}) at the now of {@code flushTicker}, the clock by which
 * {@code WriteBack} stamps when a page became dirty, and submits those writes. Between rounds it waits on its
 * own condition of the pool's lock with a timeout (never sleeps), and is woken when the dirty count crosses the
 * high water, when the first page becomes dirty, when one of its writes completes, when a dirty frame it had to
 * skip is unpinned, and by close. Its fields are guarded by the pool's lock.
 *
 * <p>Without a thread ({@code flusherThread} false) it runs a round only when the caller calls
 * {@link #step} ({@link BufferPool#stepFlusher()}), on the caller's thread, the same round the thread runs; the
 * wake-ups then find nobody waiting. Tests step it with a fake ticker over a page I/O that completes on the
 * caller's thread, and see exactly what each round writes.
 */
final class Flusher {

    static final String THREAD_NAME = "hapager-bufferpool-flusher";
    private static final Logger log = LoggerFactory.getLogger(Flusher.class);
    /** The longest wait when nothing is due. */
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final FrameTable table;
    private final WriteBack writeBack;
    /** Flush while more than this many frames are DIRTY... */
    final int highWater;
    /** ...down to this many. */
    final int lowWater;
    final int maxInFlight;
    /** 0: no age flush. */
    final long maxAgeNanos;
    private final LongSupplier ticker;
    private final Condition wake;
    /** Null when the caller steps the flusher. */
    private final Thread thread;
    /** Above the high water and not yet down to the low water. */
    private boolean draining;
    /** The last round skipped a pinned frame it would have written. */
    private boolean waitingForUnpin;

    Flusher(FrameTable table, WriteBack writeBack, BufferPoolConfig config) {
        this.table = table;
        this.writeBack = writeBack;
        int frames = table.frames.length;
        this.highWater = (int) Math.floor(frames * config.flushHighWater());
        this.lowWater = (int) Math.floor(frames * config.flushLowWater());
        this.maxInFlight = config.flushMaxInFlight();
        this.maxAgeNanos = config.flushMaxAge().toNanos();
        this.ticker = config.flushTicker();
        this.wake = table.lock.newCondition();
        this.thread = config.flusherThread() ? new Thread(this::run, THREAD_NAME) : null;
        if (thread != null) {
            thread.setDaemon(true);
        }
    }

    void start() {
        if (thread != null) {
            thread.start();
        }
    }

    /** The flusher's thread, or null when the caller steps it. */
    Thread thread() {
        return thread;
    }

    // ------------------------------------------------------------------ wake-ups (lock held)

    /** A frame became DIRTY; {@code first}: none was before. */
    void dirtied(boolean first, int dirty) {
        if (first || (!draining && dirty > highWater)) {
            wake.signal();
        }
    }

    void unpinnedDirty() {
        if (waitingForUnpin) {
            wake.signal();
        }
    }

    /** One of the flusher's write-backs completed: room for another. */
    void writeDone() {
        wake.signal();
    }

    /** After the pool was marked closed. */
    void stop() {
        wake.signal();
    }

    /** Waits up to {@code timeoutMillis} for the thread to end (called unlocked, by close). */
    void join(long timeoutMillis) {
        if (thread == null || Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("buffer pool flusher did not stop within {} ms (a write submit waits for room in the pager?)", timeoutMillis);
        }
    }

    // ------------------------------------------------------------------ rounds: the thread's, or the caller's

    private void run() {
        DeferredIo deferred = new DeferredIo(table.lock);
        table.lock.lock();
        try {
            while (!table.closed) {
                long waitNanos = round(deferred);
                if (waitNanos > 0) {
                    try {
                        wake.awaitNanos(waitNanos);
                    } catch (InterruptedException e) {
                        // only close stops the flusher
                    }
                }
            }
        } catch (Throwable t) {
            log.error("buffer pool flusher failed; no more background write-back", t);
        } finally {
            table.lock.unlock();
        }
    }

    /**
     * One round on the caller's thread, for a flusher without a thread (called unlocked); see {@link #round}.
     *
     * @throws IllegalStateException if the pool is closed
     */
    long step() {
        DeferredIo deferred = new DeferredIo(table.lock);
        table.lock.lock();
        try {
            if (table.closed) {
                throw new IllegalStateException("buffer pool is closed");
            }
            return round(deferred);
        } finally {
            table.lock.unlock();
        }
    }

    /**
     * Starts the write-backs due now and submits them (unlocked; always, even if the pool is closed meanwhile).
     * Returns how long to wait before the next round, in nanoseconds: 0 when it started some (look again at
     * once: more may be due, or room freed by writes that completed already).
     */
    private long round(DeferredIo deferred) {
        long waitNanos = startDue(deferred);
        if (deferred.isEmpty()) {
            return waitNanos;
        }
        table.runUnlocked(deferred);
        return 0;
    }

    /**
     * Starts the write-backs due at the ticker's now, deferring their writes to {@code deferred}; returns how
     * long to wait before looking again (> 0).
     */
    private long startDue(DeferredIo deferred) {
        long now = ticker.getAsLong();
        int dirty = writeBack.dirtyFrames();
        if (dirty > highWater) {
            draining = true;
        }
        if (dirty <= lowWater) {
            draining = false;
        }
        waitingForUnpin = false;
        int room = maxInFlight - writeBack.flusherWrites();
        int toDrain = draining ? dirty - lowWater : 0;
        long wait = IDLE_NANOS;
        List<Frame> due = new ArrayList<>();
        for (Frame f : writeBack.dirtyOldestFirst()) {
            if (due.size() >= room) {
                break; // woken when one of its writes completes
            }
            boolean aged = maxAgeNanos > 0 && now - f.dirtySince >= maxAgeNanos;
            if (!aged && due.size() >= toDrain) {
                if (maxAgeNanos > 0) {
                    wait = Math.min(wait, f.dirtySince + maxAgeNanos - now); // every later frame is younger
                }
                break;
            }
            if (f.pinned()) {
                waitingForUnpin = true;
                continue;
            }
            if (f.writeFailure != null && !aged) {
                continue; // its write failed lately: retried when it is old again
            }
            due.add(f);
        }
        for (Frame f : due) {
            writeBack.start(f, WriteBack.Cause.FLUSHER, deferred);
        }
        return Math.max(wait, 1);
    }
}
