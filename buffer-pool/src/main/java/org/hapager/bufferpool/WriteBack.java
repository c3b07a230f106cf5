package org.hapager.bufferpool;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-back: CLEAN → DIRTY ({@link #dirtied}), DIRTY → WRITING ({@link #start} by eviction or the
 * {@link Flusher}; {@link #startRun} by {@link #sync}) and WRITING → CLEAN or DIRTY (the write's completion);
 * the DIRTY frames oldest first; the write-backs in flight; which volumes need a barrier. Every method but
 * {@link #sync} and the completions runs with the pool's lock held.
 *
 * <h2>Two write classes and the barrier</h2>
 * Eviction and the flusher write a page back <em>buffered</em> ({@link PageIo#writeBuffered}): the store has
 * it when the write completes (the frame is CLEAN and may be evicted, a read sees the page), but it is durable
 * only after a later barrier of its volume: a {@link PageIo#sync}, or a durable {@link PageIo#write} of the
 * volume issued after the buffered write completed. A {@link #sync} writes the volume's dirty pages
 * <em>durable</em>, each run of contiguous pages (at most {@link #maxRunPages}) in one write, and then, if a
 * buffered write-back of the volume completed that no barrier is known to cover, issues one
 * {@link PageIo#sync} and waits for it.
 *
 * <p>Which buffered write-backs are covered is tracked with a pool-wide sequence number: each successful
 * buffered completion takes the next one ({@link #bufferedDone}) and records it as its volume's latest
 * uncovered completion ({@link #uncovered}). A barrier reads {@code bufferedDone} under the lock <em>before</em>
 * it is issued (a sync's durable write when it is started, a {@code PageIo.sync} when the sync decides on it)
 * and, once it has completed successfully, removes its volume's entry only if that entry's number is not
 * newer than what it read. So a barrier only ever claims completions that happened before it was issued
 * (which the page I/O's contract makes durable), a completion that races with it keeps its entry and costs
 * the next sync a barrier, and a barrier that fails or never answers claims nothing. The numbers never repeat,
 * so an entry removed and recreated meanwhile cannot be claimed by an older barrier. A sync reads the entry
 * only after every page it waits for became durable or went away, under the lock that the completions that
 * made them so took: every buffered completion of a page it waited for is counted in {@code bufferedDone} by
 * then, and so is every one before the sync began.
 *
 * <p>A sync's wait is bounded by {@link BufferPoolConfig#ioTimeout()} of no progress: it fails with
 * {@link PoolTimeoutException} when none of the pages it waits for became durable (or went away) and it
 * started no write-back for that long. A write-back's completion is never abandoned: the frame stays WRITING,
 * pinned by its I/O, until the page I/O's future completes, however long after its waiter gave up.
 */
final class WriteBack {

    /** Who started a write-back: the {@code cause} tag of {@code hapager.bufferpool.writebacks}. */
    enum Cause {
        /** Buffered. */
        EVICTION,
        /** Buffered. */
        FLUSHER,
        /** Durable, in runs of contiguous pages. */
        SYNC;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    /** The most pages one durable write of a sync carries (fewer if {@link PageIo#maxWriteBytes()} says so). */
    static final int MAX_RUN_PAGES = 64;

    /**
     * One write in flight: the frames it writes back, in page order (one for a buffered write; a run of
     * contiguous pages for a durable one), the {@code dirtyEpoch} of each when it started, and for a durable
     * write the {@link #bufferedDone} it read when it started (the buffered completions it covers).
     */
    private record Write(Volume volume, List<Frame> frames, long[] epochs, boolean durable, long covers) {
        String describe() {
            long first = frames.get(0).page();
            return volume.name() + (frames.size() == 1 ? " page " + first
                    : " pages " + first + ".." + (first + frames.size() - 1));
        }
    }

    private static final Logger log = LoggerFactory.getLogger(WriteBack.class);

    private final FrameTable table;
    private final PageIo io;
    private final PoolMeters meters;
    /** The most pages in one durable write: {@link #MAX_RUN_PAGES}, fewer if the page I/O's largest write is smaller. */
    final int maxRunPages;
    /** A sync fails after this long without progress ({@link BufferPoolConfig#ioTimeout()}). */
    private final Duration ioTimeout;
    private final long ioTimeoutNanos;
    /** The flusher's clock ({@link BufferPoolConfig#flushTicker()}): when a frame became DIRTY. */
    private final LongSupplier flushTicker;
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
    /** Buffered write-backs that completed successfully so far: the sequence number of the latest. */
    private long bufferedDone;
    /**
     * By volume, the sequence number of its latest buffered write-back that completed and that no completed
     * barrier is known to cover; volumes with none are absent. Invariant 11.
     */
    private final Map<String, Long> uncovered = new HashMap<>();

    WriteBack(FrameTable table, PageIo io, PoolMeters meters, BufferPoolConfig config) {
        this.table = table;
        this.io = io;
        this.meters = meters;
        this.ioTimeout = config.ioTimeout();
        this.ioTimeoutNanos = ioTimeout.toNanos();
        this.maxRunPages = Math.max(1, Math.min(MAX_RUN_PAGES, io.maxWriteBytes() / config.pageSize()));
        this.flushTicker = config.flushTicker();
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
        f.dirtySince = flushTicker.getAsLong();
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

    /**
     * DIRTY → WRITING for eviction or the flusher: defers the frame's buffered write to {@code deferred}; the
     * frame is pinned by it until the write completes.
     */
    void start(Frame f, Cause cause, DeferredIo deferred) {
        if (cause == Cause.SYNC || f.pinned()) {
            throw new AssertionError(cause + " write-back of " + f);
        }
        begin(f, cause);
        Write w = new Write(f.volume, List.of(f), new long[] {f.dirtyEpoch}, false, 0);
        long page = f.page();
        ByteBuffer data = f.bytes.duplicate();
        deferred.defer(DeferredIo.Kind.WRITE_BACK, () -> io.writeBuffered(w.volume(), page, data),
                e -> writeDone(w, e));
    }

    /**
     * DIRTY → WRITING for a sync: defers one durable write of {@code run}, frames of one volume with
     * contiguous pages in ascending order, at most {@link #maxRunPages}. The frames' bytes are copied into one
     * buffer when the write is submitted (unlocked: being WRITING, they belong to this write and nobody changes
     * them). Shared pins may be held: their holders only read.
     */
    void startRun(List<Frame> run, DeferredIo deferred) {
        Frame first = run.get(0);
        if (run.size() > maxRunPages) {
            throw new AssertionError("run of " + run.size() + " pages from " + first);
        }
        long[] epochs = new long[run.size()];
        for (int i = 0; i < run.size(); i++) {
            Frame f = run.get(i);
            if (f.volume != first.volume || f.page() != first.page() + i) {
                throw new AssertionError("not a run: " + run);
            }
            begin(f, Cause.SYNC);
            epochs[i] = f.dirtyEpoch;
        }
        Write w = new Write(first.volume, List.copyOf(run), epochs, true, bufferedDone);
        long firstPage = first.page();
        deferred.defer(DeferredIo.Kind.SYNC_RUN, () -> io.write(w.volume(), firstPage, bytesOf(w.frames())),
                e -> writeDone(w, e));
    }

    /** The frames' bytes: the one frame's own, or a copy of all of them in one buffer. */
    private static ByteBuffer bytesOf(List<Frame> frames) {
        if (frames.size() == 1) {
            return frames.get(0).bytes.duplicate();
        }
        int pageSize = frames.get(0).bytes.capacity();
        ByteBuffer all = ByteBuffer.allocate(frames.size() * pageSize);
        for (Frame f : frames) {
            all.put(f.bytes.duplicate());
        }
        return all.flip();
    }

    /** DIRTY → WRITING, the bookkeeping of either class. */
    private void begin(Frame f, Cause cause) {
        if (f.exclusivePin || f.state != FrameState.DIRTY) {
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
        meters.writeBacks(cause).increment();
    }

    /**
     * WRITING → CLEAN for each frame of the write, or WRITING → DIRTY on failure (the pages are written again
     * later). A buffered write's success records its volume as needing a barrier; a durable write's success
     * covers the buffered completions before it started.
     */
    private void writeDone(Write w, Throwable failure) {
        table.lock.lock();
        try {
            if (failure != null) {
                log.warn("write-back of {} failed; the page(s) stay dirty", w.describe(), failure);
            }
            for (int i = 0; i < w.frames().size(); i++) {
                Frame f = w.frames().get(i);
                long epoch = w.epochs()[i];
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
                    f.state = FrameState.DIRTY;
                    f.writeFailure = failure;
                    f.writeFailures++;
                    addDirty(f); // at the back: the flusher retries it when it is old again, not at once
                }
            }
            if (failure == null && w.durable()) {
                covered(w.volume().name(), w.covers());
            } else if (failure == null) {
                bufferedDone++;
                uncovered.put(w.volume().name(), bufferedDone);
            }
            table.changed.signalAll();
        } finally {
            table.lock.unlock();
        }
    }

    /** A barrier of {@code volume} issued when {@link #bufferedDone} was {@code upTo} completed successfully. */
    private void covered(String volume, long upTo) {
        uncovered.computeIfPresent(volume, (v, latest) -> latest <= upTo ? null : latest);
    }

    /**
     * {@link BufferPool#discard} from page 0 (the volume is deleted, truncated to nothing or renamed away): its
     * buffered write-backs need no barrier any more; forgetting them keeps {@link #uncovered} from growing
     * with every deleted volume. The discard waited for every write-back of the volume in flight.
     */
    void forget(String volume) {
        uncovered.remove(volume);
    }

    /**
     * See {@link BufferPool#sync}. Takes the lock. Waits at most {@link BufferPoolConfig#ioTimeout()} without
     * progress (a page it waits for made durable or gone, or a write-back of one started), then throws
     * {@link PoolTimeoutException}; an interrupt ends the wait at once (REJECTED, the flag set again). Either
     * way the write-backs it started go on and complete as usual. Once its pages are durable, issues the
     * volume's barrier if a buffered write-back of it is not yet covered (see the class doc) and waits for it,
     * again at most {@code ioTimeout}.
     */
    void sync(String volume) throws PageIoException {
        record Target(Frame frame, long generation, long epoch, int failures) {}
        List<Target> targets = new ArrayList<>();
        DeferredIo deferred = new DeferredIo(table.lock);
        long progressAt = System.nanoTime();
        long barrierUpTo = -1; // >= 0: a barrier is needed; it covers the buffered completions numbered up to this
        table.lock.lock();
        try {
            for (Frame f : table.notDurable(volume)) {
                targets.add(new Target(f, f.mapGeneration, f.dirtyEpoch, f.writeFailures));
            }
            List<Frame> toWrite = new ArrayList<>();
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
                        toWrite.add(f); // shared pins only read: the bytes stay put
                    } else if (f.state == FrameState.DIRTY) {
                        f.flushRequested = true;
                    }
                }
                if (!toWrite.isEmpty()) {
                    startRuns(toWrite, deferred);
                    toWrite.clear();
                    progress = true;
                }
                if (targets.isEmpty()) {
                    break;
                }
                if (progress) {
                    progressAt = System.nanoTime();
                }
                if (!deferred.isEmpty()) {
                    table.runUnlocked(deferred);
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
            // every page it waited for is durable or gone, and every buffered completion before now is counted
            if (uncovered.containsKey(volume)) {
                barrierUpTo = bufferedDone;
            }
        } finally {
            for (Target t : targets) {
                t.frame().flushRequested = false;
            }
            table.changed.signalAll();
            table.lock.unlock();
            deferred.issue();
        }
        if (barrierUpTo >= 0) {
            barrier(volume, barrierUpTo);
        }
    }

    /** Starts durable writes of {@code frames} (DIRTY, of one volume): one per run of contiguous pages. */
    private void startRuns(List<Frame> frames, DeferredIo deferred) {
        frames.sort(Comparator.comparingLong(Frame::page));
        List<Frame> run = new ArrayList<>();
        for (Frame f : frames) {
            if (!run.isEmpty() && (f.page() != run.get(run.size() - 1).page() + 1 || run.size() == maxRunPages)) {
                startRun(run, deferred);
                run.clear();
            }
            run.add(f);
        }
        startRun(run, deferred);
    }

    /**
     * Issues the page I/O's sync of {@code volume} (unlocked) and waits up to {@code ioTimeout} for it. When it
     * completes successfully, whether or not this caller still waits, it covers the volume's buffered
     * completions numbered up to {@code upTo}.
     */
    private void barrier(String volume, long upTo) throws PageIoException {
        meters.barriers.increment();
        long start = System.nanoTime();
        CompletableFuture<Void> done = new CompletableFuture<>();
        FrameTable.submit(() -> io.sync(volume), failure -> {
            if (failure == null) {
                table.lock.lock();
                try {
                    covered(volume, upTo);
                } finally {
                    table.lock.unlock();
                }
                done.complete(null);
            } else {
                done.completeExceptionally(failure);
            }
        });
        try {
            done.get(ioTimeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            throw new PoolTimeoutException("sync", volume, -1, PoolTimeoutException.WaitedFor.PAGER_REQUEST, waited,
                    "sync of " + volume + " timed out after " + ioTimeout.toMillis() + " ms (ioTimeout) waiting for the "
                    + "volume's sync, which makes its buffered write-backs durable; it goes on, sync again to wait for it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PageIoException(PageIoException.Kind.REJECTED, "sync of " + volume + ": interrupted while waiting "
                    + "for the volume's sync (it goes on)", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            PageIoException.Kind kind = cause instanceof PageIoException p ? p.kind() : PageIoException.Kind.STORAGE;
            throw new PageIoException(kind, "sync of " + volume + ": the volume's sync, which makes its buffered "
                    + "write-backs durable, failed: " + cause, cause);
        }
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

    /** Invariants 5, 8 and 11 of {@link BufferPool}. */
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
        for (Map.Entry<String, Long> e : uncovered.entrySet()) {
            FrameTable.check(e.getValue() >= 1 && e.getValue() <= bufferedDone, 11, "volume " + e.getKey()
                    + " uncovered since buffered completion " + e.getValue() + " of " + bufferedDone);
        }
    }
}
