package org.hapager.bufferpool;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-back: CLEAN → DIRTY ({@link #dirtied}), DIRTY → WRITING ({@link #start}, by eviction, the
 * {@link Flusher} or {@link #sync}) and WRITING → CLEAN or DIRTY (the write's completion); the DIRTY frames
 * oldest first; the write-backs in flight. Every method but {@link #sync} and the completion runs with the
 * pool's lock held.
 *
 * <p>A sync's wait is bounded by {@link BufferPoolConfig#ioTimeout()} of no progress: it fails with
 * {@link PoolTimeoutException} when none of the pages it waits for became durable (or went away) and it
 * started no write-back for that long. A write-back's completion is never abandoned: the frame stays WRITING,
 * pinned by its I/O, until the page I/O's future completes, however long after its waiter gave up.
 */
final class WriteBack {

    /** Who started a write-back: the {@code cause} tag of {@code hapager.bufferpool.writebacks}. */
    enum Cause {
        EVICTION, FLUSHER, SYNC;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    private static final Logger log = LoggerFactory.getLogger(WriteBack.class);

    private final FrameTable table;
    private final PageIo io;
    private final PoolMeters meters;
    /** A sync fails after this long without progress ({@link BufferPoolConfig#ioTimeout()}). */
    private final Duration ioTimeout;
    private final long ioTimeoutNanos;
    /** The background flusher, or null when the config has none. */
    final Flusher flusher;
    /** Exactly the DIRTY frames, in the order they became dirty (oldest {@code dirtySince} first). */
    private final LinkedHashSet<Frame> dirtyOrder = new LinkedHashSet<>();
    /** Frames in state DIRTY (the size of {@link #dirtyOrder}); read racily by gauges. */
    private volatile int dirtyFrames;
    /** Frames in state WRITING; read racily by gauges. */
    private volatile int writing;
    /** Frames in state WRITING whose write the flusher started. */
    private int flusherWrites;

    WriteBack(FrameTable table, PageIo io, PoolMeters meters, BufferPoolConfig config) {
        this.table = table;
        this.io = io;
        this.meters = meters;
        this.ioTimeout = config.ioTimeout();
        this.ioTimeoutNanos = ioTimeout.toNanos();
        this.flusher = config.flushMaxInFlight() > 0 ? new Flusher(table, this, config) : null;
    }

    int dirtyFrames() {
        return dirtyFrames;
    }

    int writing() {
        return writing;
    }

    int flusherWrites() {
        return flusherWrites;
    }

    /** The DIRTY frames, oldest first; do not start or drop write-backs while iterating. */
    Iterable<Frame> dirtyOldestFirst() {
        return dirtyOrder;
    }

    /** CLEAN → DIRTY, by {@link PageHandle#markDirty()} (the caller holds the exclusive pin). */
    void dirtied(Frame f) {
        f.state = FrameState.DIRTY;
        addDirty(f);
    }

    private void addDirty(Frame f) {
        boolean first = dirtyOrder.isEmpty();
        f.dirtySince = System.nanoTime();
        dirtyOrder.add(f);
        dirtyFrames++;
        if (flusher != null) {
            flusher.dirtied(first, dirtyFrames);
        }
    }

    /** A DIRTY frame's contents are dropped unwritten (discard, before it unmaps the frame). */
    void dropped(Frame f) {
        if (f.state != FrameState.DIRTY || !dirtyOrder.remove(f)) {
            throw new AssertionError("dropping " + f);
        }
        dirtyFrames--;
    }

    /** A fixer unpinned {@code f}: the flusher may be waiting to write it. */
    void unpinned(Frame f) {
        if (flusher != null && f.state == FrameState.DIRTY && !f.pinned()) {
            flusher.unpinnedDirty();
        }
    }

    /** DIRTY → WRITING: queues the frame's write; the frame is pinned by it until the write completes. */
    void start(Frame f, Cause cause, List<Runnable> pendingIo) {
        if (f.exclusivePin || f.state != FrameState.DIRTY || (cause != Cause.SYNC && f.pinned())) {
            throw new AssertionError(cause + " write-back of " + f);
        }
        f.state = FrameState.WRITING;
        f.writeCause = cause;
        f.writeSince = System.nanoTime();
        f.flushRequested = false;
        dirtyOrder.remove(f);
        dirtyFrames--;
        writing++;
        if (cause == Cause.FLUSHER) {
            flusherWrites++;
        }
        long epoch = f.dirtyEpoch;
        Volume volume = f.volume;
        long page = f.page();
        ByteBuffer data = f.bytes.duplicate();
        meters.writeBacks(cause).increment();
        pendingIo.add(() -> FrameTable.submit(() -> io.write(volume, page, data), e -> writeDone(f, epoch, e)));
    }

    /** WRITING → CLEAN, or WRITING → DIRTY on failure (the page is written again later). */
    private void writeDone(Frame f, long epoch, Throwable failure) {
        table.lock.lock();
        try {
            if (f.state != FrameState.WRITING || f.dirtyEpoch != epoch) {
                throw new AssertionError("write completion for " + f);
            }
            Cause cause = f.writeCause;
            f.writeCause = null;
            writing--;
            if (cause == Cause.FLUSHER) {
                flusherWrites--;
                flusher.writeDone();
            }
            if (failure == null) {
                f.state = FrameState.CLEAN;
                f.durableEpoch = epoch;
                table.madeDurable(f);
                f.writeFailure = null;
            } else {
                log.warn("write-back of {} (frame {}) failed; the page stays dirty", f.pageId, f.index, failure);
                f.state = FrameState.DIRTY;
                f.writeFailure = failure;
                f.writeFailures++;
                addDirty(f); // at the back: the flusher retries it when it is old again, not at once
            }
            table.changed.signalAll();
        } finally {
            table.lock.unlock();
        }
    }

    /**
     * See {@link BufferPool#sync}. Takes the lock. Waits at most {@link BufferPoolConfig#ioTimeout()} without
     * progress (a page it waits for made durable or gone, or a write-back of one started), then throws
     * {@link PoolTimeoutException}; an interrupt ends the wait at once (REJECTED, the flag set again). Either
     * way the write-backs it started go on and complete as usual.
     */
    void sync(String volume) throws PageIoException {
        record Target(Frame frame, long generation, long epoch, int failures) {}
        List<Target> targets = new ArrayList<>();
        List<Runnable> pendingIo = new ArrayList<>();
        long progressAt = System.nanoTime();
        table.lock.lock();
        try {
            for (Frame f : table.notDurable(volume)) {
                targets.add(new Target(f, f.mapGeneration, f.dirtyEpoch, f.writeFailures));
            }
            while (!targets.isEmpty()) {
                boolean progress = false;
                for (var it = targets.iterator(); it.hasNext(); ) {
                    Target t = it.next();
                    Frame f = t.frame();
                    if (f.mapGeneration != t.generation() || f.durableEpoch >= t.epoch()) {
                        it.remove(); // written, or discarded (eviction unmaps only CLEAN frames)
                        progress = true;
                    } else if (f.writeFailures != t.failures() && f.state == FrameState.DIRTY) {
                        throw new PageIoException(PageIoException.Kind.STORAGE, "sync of " + volume
                                + ": write-back of " + f.pageId + " failed", f.writeFailure);
                    } else if (f.state == FrameState.DIRTY && !f.exclusivePin) {
                        start(f, Cause.SYNC, pendingIo); // shared pins only read: the bytes stay put
                        progress = true;
                    } else if (f.state == FrameState.DIRTY) {
                        f.flushRequested = true;
                    }
                }
                if (targets.isEmpty()) {
                    break;
                }
                if (progress) {
                    progressAt = System.nanoTime();
                }
                if (!pendingIo.isEmpty()) {
                    table.runUnlocked(pendingIo);
                    continue;
                }
                long waited = System.nanoTime() - progressAt;
                if (waited >= ioTimeoutNanos) {
                    throw syncTimedOut(volume, targets.stream().map(Target::frame).toList(), waited);
                }
                try {
                    table.changed.awaitNanos(ioTimeoutNanos - waited);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PageIoException(PageIoException.Kind.REJECTED, "sync of " + volume + ": interrupted while "
                            + "waiting for " + awaited(targets.stream().map(Target::frame).toList()) + " ("
                            + targets.size() + " page(s) not yet durable; write-backs in flight go on)", e);
                }
            }
        } finally {
            for (Target t : targets) {
                t.frame().flushRequested = false;
            }
            table.changed.signalAll();
            table.lock.unlock();
            pendingIo.forEach(Runnable::run);
        }
        // nothing more to do: a write-back completes only once it is durable (PageIo's contract), so no
        // separate sync of the volume is needed; it would cost a second fdatasync per call
    }

    /** The frame a stalled sync names: the write-back in flight longest, else one held under an exclusive pin. */
    private static Frame awaited(List<Frame> frames) {
        Frame oldest = null;
        for (Frame f : frames) {
            if (f.state == FrameState.WRITING && (oldest == null || f.writeSince - oldest.writeSince < 0)) {
                oldest = f;
            }
        }
        return oldest != null ? oldest : frames.get(0);
    }

    private PoolTimeoutException syncTimedOut(String volume, List<Frame> frames, long waitedNanos) {
        Frame f = awaited(frames);
        long now = System.nanoTime();
        boolean writing = f.state == FrameState.WRITING;
        String why = writing
                ? "its write-back in flight (started by " + f.writeCause.tag + " "
                        + Duration.ofNanos(now - f.writeSince).toMillis() + " ms ago) has not completed"
                : "it is dirty under an exclusive fix that did not end (" + f + ")";
        return new PoolTimeoutException("sync", volume, f.page(),
                writing ? PoolTimeoutException.WaitedFor.WRITE_BACK : PoolTimeoutException.WaitedFor.PIN,
                Duration.ofNanos(waitedNanos), "sync of " + volume + " timed out after " + ioTimeout.toMillis()
                + " ms (ioTimeout) without progress: " + frames.size() + " page(s) not yet durable, waiting for "
                + f.pageId + ": " + why + "; the pool's write-backs in flight " + writing() + ", dirty " + dirtyFrames()
                + "; the I/O goes on, sync again to wait for it");
    }

    /** Invariants 5 and 8 of {@link BufferPool}. */
    void checkInvariants() {
        int dirty = 0;
        int inFlight = 0;
        int byFlusher = 0;
        for (Frame f : table.frames) {
            FrameTable.check((f.writeCause != null) == (f.state == FrameState.WRITING), 8, f);
            if (f.state == FrameState.FREE) {
                continue;
            }
            FrameTable.check(f.state != FrameState.CLEAN || f.durableEpoch == f.dirtyEpoch, 5, f);
            FrameTable.check(f.state != FrameState.DIRTY || f.durableEpoch < f.dirtyEpoch, 5, f);
            FrameTable.check((f.state == FrameState.DIRTY) == dirtyOrder.contains(f), 8, f);
            dirty += f.state == FrameState.DIRTY ? 1 : 0;
            inFlight += f.state == FrameState.WRITING ? 1 : 0;
            byFlusher += f.writeCause == Cause.FLUSHER ? 1 : 0;
        }
        FrameTable.check(dirty == dirtyFrames && dirty == dirtyOrder.size(), 8, "dirty " + dirty + ", counted "
                + dirtyFrames + ", listed " + dirtyOrder.size());
        long since = Long.MIN_VALUE;
        for (Frame f : dirtyOrder) {
            FrameTable.check(f.dirtySince - since >= 0 || since == Long.MIN_VALUE, 8, "dirty list out of order at " + f);
            since = f.dirtySince;
        }
        FrameTable.check(inFlight == writing && byFlusher == flusherWrites, 8, "writing " + inFlight + "/" + writing
                + ", by the flusher " + byFlusher + "/" + flusherWrites);
        FrameTable.check(flusher == null ? byFlusher == 0 : byFlusher <= flusher.maxInFlight, 8,
                "flusher write-backs in flight " + byFlusher);
    }
}
