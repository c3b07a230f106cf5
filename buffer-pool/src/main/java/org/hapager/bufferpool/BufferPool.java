package org.hapager.bufferpool;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.hapager.pager.PageIoException;
import org.hapager.pager.PagerClient;
import org.hapager.pager.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fixed budget of off-heap page frames over a {@link PagerClient}. {@link #fix} returns a pinned
 * {@link PageHandle}; while it is open the frame holds that page and is neither evicted nor reused.
 * Concurrent fixers of a page that is not resident share one read; if it fails, all of them fail with its
 * cause and no half-filled frame stays behind. Dirty pages are written back when they are evicted and by
 * {@link #sync}. When every frame is pinned or in I/O, {@code fix} waits up to
 * {@link BufferPoolConfig#fixTimeout()} and then throws {@link FixTimeoutException}.
 *
 * <h2>Frame states (SQLite pager style)</h2>
 * <pre>
 *                 fix miss (takeFrame)           read ok (readDone)
 *      FREE ─────────────────────────▶ READING ─────────────────────▶ CLEAN ◀──┐
 *        ▲                                │                              │   │   │
 *        │            read failed         │                   markDirty  │   │   │ write ok
 *        ├────────────────────────────────┘                              ▼   │   │ (writeDone)
 *        │                                                            DIRTY  │   │
 *        │ evict (CLEAN, unpinned, chosen by takeFrame)        startWrite │ ▲ │   │
 *        └──────────────────────── CLEAN                                 ▼ │ │   │
 *                                                                  WRITING ─┘ └───┘
 *                                                        (write failed: back to DIRTY)
 * </pre>
 * Transitions and the method that performs each:
 * <ul>
 *   <li>FREE → READING: {@code fix} maps a frame from {@link #takeFrame} to the page and issues the read.</li>
 *   <li>READING → CLEAN: {@code readDone} on success. READING → FREE: {@code readDone} on failure; the page
 *       is unmapped and every fixer waiting on that read fails with its cause.</li>
 *   <li>CLEAN → DIRTY: {@link PageHandle#markDirty()} (an exclusive pin is held).</li>
 *   <li>DIRTY → WRITING: {@code startWriteBack}, by {@code takeFrame} (eviction; only when unpinned) or by
 *       {@link #sync} (when no exclusive pin is held: shared holders only read).</li>
 *   <li>WRITING → CLEAN: {@code writeDone} on success. WRITING → DIRTY: {@code writeDone} on failure (the
 *       page stays dirty and is written again later; a sync waiting for it fails with the cause).</li>
 *   <li>CLEAN → FREE: {@code evict}, inside {@code takeFrame}, only when unpinned; the frame is remapped at
 *       once.</li>
 * </ul>
 *
 * <h2>Invariants</h2> (checked by {@link #assertInvariants()})
 * <ol>
 *   <li>A frame is in the page table under key K if and only if its {@code pageId} is K and it is not FREE;
 *       FREE frames are exactly the free list, with no page and no pins.</li>
 *   <li>A READING frame has no pins; a WRITING frame has no exclusive pin (shared pins taken before a
 *       sync's write-back may remain: they only read). A frame in I/O is pinned by that I/O: its bytes belong
 *       to the read or write in flight, so nobody fixes it anew, changes, evicts or reuses it until the I/O's
 *       future completes (claim 8; the pager's reissue after a failover happens inside that future, so it is
 *       covered too).</li>
 *   <li>An exclusive pin excludes every other pin of the frame.</li>
 *   <li>Only an unpinned CLEAN frame that no fixer waits to pin after its read is evicted ({@code evict}
 *       throws {@link AssertionError} otherwise): a page just read is not taken from the fixers that asked
 *       for it, however cold the policy thinks it is.</li>
 *   <li>CLEAN ⇔ {@code durableEpoch == dirtyEpoch} for a mapped frame not in I/O; DIRTY ⇒ {@code durableEpoch <
 *       dirtyEpoch}.</li>
 *   <li>The eviction policy's keys are exactly the mapped pages; counters of dirty and pinned frames match
 *       the frames.</li>
 *   <li>The frames are fixed at construction: the budget holds whatever the policy does.</li>
 * </ol>
 *
 * <h2>Concurrency</h2>
 * One lock guards the page table, the free list, every frame's bookkeeping and the policy. It is never held
 * while I/O is submitted (a submit may block for room in the pager): each operation collects the I/O it
 * decided on and issues it after unlocking. Completions arrive on the pager's I/O thread and take the lock
 * briefly. Waiters (fixers, sync) wait on one condition, signalled at every change that could unblock them.
 * A page's bytes are guarded by its pins, not by the lock: exclusive for writing, shared for reading.
 *
 * <h2>Eviction</h2>
 * Caffeine (W-TinyLFU) is the policy only: a bounded cache keyed by page whose
 * {@code policy().eviction().coldest(n)} orders candidates; the pool takes the first unpinned CLEAN one and
 * starts write-back of unpinned DIRTY ones on the way. Caffeine never evicts by itself (its maximum is the
 * frame count and it holds only mapped pages) and its weights are not used for pinning: its zero-weight
 * pinning has known races (ben-manes/caffeine issues 1776 and 1791), so the pool alone enforces the pin rule
 * and the budget. All policy calls happen under the pool's lock, with maintenance on the caller's thread.
 */
public final class BufferPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BufferPool.class);

    /** Coldest candidates looked at per miss before looking at all of them. */
    private static final int CANDIDATE_SCAN = 64;
    /** Write-backs of dirty candidates one miss may start. */
    private static final int MAX_WRITEBACKS_PER_MISS = 4;
    /** Largest slab: direct buffers are int-indexed. */
    private static final long MAX_SLAB_BYTES = 1L << 30;

    private final BufferPoolConfig config;
    private final PageIo io;
    private final Frame[] frames;
    private final long fixTimeoutNanos;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled on every pin release, I/O completion and state change that may unblock a waiter. */
    private final Condition changed = lock.newCondition();
    // @GuardedBy("lock")
    private final Map<PageId, Frame> table = new HashMap<>();
    // @GuardedBy("lock")
    private final ArrayDeque<Frame> free = new ArrayDeque<>();
    // @GuardedBy("lock") (Caffeine is thread-safe, but the pool reads its order and the table together)
    private final Cache<PageId, Boolean> policy;
    private final Policy.Eviction<PageId, Boolean> eviction;
    // @GuardedBy("lock"), read racily by gauges
    private volatile int dirtyFrames;
    private volatile int pinnedFrames;
    private boolean closed;
    /** Fixers waiting on {@link #changed} now (for tests that line fixers up). */
    // @GuardedBy("lock"), read racily by tests
    private volatile int waiters;

    private final Counter hits;
    private final Counter misses;
    private final Counter evictions;
    private final Counter writeBacks;
    /** Fixes that could not pin at once (a miss, or a wait for a pin, a read or a write): how long they took. */
    private final Timer fixWait;

    /** A pool over {@code pager}; the pool does not close the pager. */
    public BufferPool(PagerClient pager, BufferPoolConfig config) {
        this(PageIo.of(pager), config);
    }

    /** A pool over any page I/O (benchmarks run it over memory). */
    public BufferPool(PageIo io, BufferPoolConfig config) {
        this.config = config;
        this.io = io;
        this.fixTimeoutNanos = config.fixTimeout().toNanos();
        int frameCount = config.frameCount();
        int pageSize = config.pageSize();
        this.frames = new Frame[frameCount];
        int framesPerSlab = (int) Math.max(1, MAX_SLAB_BYTES / pageSize);
        for (int first = 0; first < frameCount; first += framesPerSlab) {
            int n = Math.min(framesPerSlab, frameCount - first);
            ByteBuffer slab = ByteBuffer.allocateDirect(n * pageSize);
            for (int i = 0; i < n; i++) {
                Frame f = new Frame(first + i, slab.slice(i * pageSize, pageSize));
                frames[first + i] = f;
                free.add(f);
            }
        }
        this.policy = Caffeine.newBuilder().maximumSize(frameCount).executor(Runnable::run).build();
        this.eviction = policy.policy().eviction().orElseThrow();

        MeterRegistry registry = config.meterRegistry();
        hits = Counter.builder("hapager.bufferpool.hits").description("fixes of a resident page").register(registry);
        misses = Counter.builder("hapager.bufferpool.misses").description("fixes that read the page").register(registry);
        evictions = Counter.builder("hapager.bufferpool.evictions").description("clean frames taken for another page").register(registry);
        writeBacks = Counter.builder("hapager.bufferpool.writebacks").description("dirty frames written back").register(registry);
        fixWait = Timer.builder("hapager.bufferpool.fix.wait")
                .description("fixes that could not pin at once (miss, or waiting for a pin or I/O): time to the pin")
                .register(registry);
        Gauge.builder("hapager.bufferpool.hit.ratio", () -> {
            double h = hits.count();
            double all = h + misses.count();
            return all == 0 ? 0 : h / all;
        }).description("fixes of a resident page / all fixes, since start").register(registry);
        Gauge.builder("hapager.bufferpool.dirty", () -> dirtyFrames).description("frames in state DIRTY").register(registry);
        Gauge.builder("hapager.bufferpool.pinned", () -> pinnedFrames).description("frames pinned by fixers").register(registry);
        Gauge.builder("hapager.bufferpool.frames", () -> frames.length).description("frames in the budget").register(registry);
    }

    public BufferPoolConfig config() {
        return config;
    }

    public int frameCount() {
        return frames.length;
    }

    /** Fixers blocked in {@link #fix} right now. */
    int waitingFixers() {
        return waiters;
    }

    // ------------------------------------------------------------------ fix / unfix

    /**
     * Fixes page {@code page} of {@code volume}: reads it if it is not resident (sharing a read already in
     * flight), waits for conflicting fixes and I/O on it, and returns it pinned.
     *
     * @throws FixTimeoutException if no frame or no compatible pin came within the fix timeout
     * @throws PageIoException     if the page's read failed (the cause is the pager's failure)
     */
    public PageHandle fix(Volume volume, long page, Mode mode) throws PageIoException {
        if (volume.pageSize() != config.pageSize()) {
            throw new IllegalArgumentException("volume " + volume + " has page size " + volume.pageSize()
                    + " (expected: the pool's " + config.pageSize() + ")");
        }
        if (page < 0) {
            throw new IllegalArgumentException("page : " + page + " (expected: >= 0)");
        }
        PageId id = new PageId(volume.name(), page);
        long start = System.nanoTime();
        List<Runnable> pendingIo = new ArrayList<>(2);
        boolean missed = false;
        boolean waited = false;
        Frame awaitedLoad = null; // the frame whose read this fixer waits for; reserved against eviction
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw new PageIoException(PageIoException.Kind.REJECTED, "fix of " + id + ": buffer pool is closed");
                }
                Frame f = table.get(id);
                if (f == null) {
                    Frame taken = takeFrame(pendingIo);
                    if (taken == null) {
                        waited = true;
                        awaitChange(start, pendingIo, id, null);
                        continue;
                    }
                    missed = true;
                    startRead(taken, volume, id, pendingIo);
                    continue;
                }
                switch (f.state) {
                    case READING -> {
                        missed = true; // a fixer sharing another's read missed too
                        if (awaitedLoad != f) {
                            awaitedLoad = f;
                            f.loadWaiters++;
                        }
                        CompletableFuture<Void> load = f.load;
                        if (load.isDone()) {
                            throw readFailed(id, load);
                        }
                        waited = true;
                        awaitChange(start, pendingIo, id, f);
                        if (load.isCompletedExceptionally()) {
                            throw readFailed(id, load);
                        }
                    }
                    case WRITING -> {
                        waited = true;
                        awaitChange(start, pendingIo, id, f);
                    }
                    case CLEAN, DIRTY -> {
                        if (mode == Mode.EXCLUSIVE ? f.pinned() || f.flushRequested : f.exclusivePin) {
                            waited = true;
                            awaitChange(start, pendingIo, id, f);
                            continue;
                        }
                        pin(f, mode);
                        (missed ? misses : hits).increment();
                        policy.getIfPresent(id); // records the access for the policy
                        if (missed || waited) {
                            fixWait.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                        }
                        return new PageHandle(this, f, mode);
                    }
                    default -> throw new AssertionError("mapped " + f);
                }
            }
        } finally {
            if (awaitedLoad != null) {
                awaitedLoad.loadWaiters--;
            }
            lock.unlock();
            pendingIo.forEach(Runnable::run);
        }
    }

    /** Called by {@link PageHandle#close()}. */
    void unfix(Frame f, Mode mode) {
        lock.lock();
        try {
            if (mode == Mode.SHARED) {
                if (f.sharedPins <= 0) {
                    throw new AssertionError("shared unfix of unpinned " + f);
                }
                f.sharedPins--;
            } else {
                if (!f.exclusivePin) {
                    throw new AssertionError("exclusive unfix of " + f);
                }
                f.exclusivePin = false;
            }
            if (!f.pinned()) {
                pinnedFrames--;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Called by {@link PageHandle#markDirty()}; the caller holds the exclusive pin. */
    void markDirty(Frame f) {
        lock.lock();
        try {
            if (!f.exclusivePin || (f.state != FrameState.CLEAN && f.state != FrameState.DIRTY)) {
                throw new AssertionError("markDirty of " + f);
            }
            if (f.state == FrameState.CLEAN) {
                f.state = FrameState.DIRTY;
                dirtyFrames++;
            }
            f.dirtyEpoch++;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ sync

    /**
     * Returns when every page of {@code volume} dirtied (by {@link PageHandle#markDirty()}) before the call
     * is durable on the page servers: writes back each such page, waiting for its exclusive pin to end (new
     * exclusive fixes of those pages wait meanwhile), then syncs the volume through the pager. A caller must not hold an
     * exclusive fix of a dirty page of the volume while calling, or it waits for itself.
     *
     * @throws PageIoException if a write-back or the pager's sync failed (the cause says which)
     */
    public void sync(String volume) throws PageIoException {
        record Target(Frame frame, long generation, long epoch, int failures) {}
        List<Target> targets = new ArrayList<>();
        List<Runnable> pendingIo = new ArrayList<>();
        lock.lock();
        try {
            for (Frame f : table.values()) {
                if (f.pageId.volume().equals(volume) && f.dirtyEpoch > f.durableEpoch) {
                    targets.add(new Target(f, f.mapGeneration, f.dirtyEpoch, f.writeFailures));
                }
            }
            while (!targets.isEmpty()) {
                for (var it = targets.iterator(); it.hasNext(); ) {
                    Target t = it.next();
                    Frame f = t.frame();
                    if (f.mapGeneration != t.generation() || f.durableEpoch >= t.epoch()) {
                        it.remove(); // written (a frame is only unmapped when CLEAN)
                    } else if (f.writeFailures != t.failures() && f.state == FrameState.DIRTY) {
                        throw new PageIoException(PageIoException.Kind.STORAGE, "sync of " + volume
                                + ": write-back of " + f.pageId + " failed", f.writeFailure);
                    } else if (f.state == FrameState.DIRTY && !f.exclusivePin) {
                        startWriteBack(f, pendingIo); // shared pins only read: the bytes stay put
                    } else if (f.state == FrameState.DIRTY) {
                        f.flushRequested = true;
                    }
                }
                if (targets.isEmpty()) {
                    break;
                }
                if (!pendingIo.isEmpty()) {
                    runUnlocked(pendingIo);
                } else {
                    changed.awaitUninterruptibly();
                }
            }
        } finally {
            for (Target t : targets) {
                t.frame().flushRequested = false;
            }
            changed.signalAll();
            lock.unlock();
            pendingIo.forEach(Runnable::run);
        }
        try {
            io.sync(volume).join();
        } catch (CompletionException e) {
            throw new PageIoException(PageIoException.Kind.STORAGE, "sync of " + volume + ": the pager's sync failed", e.getCause());
        }
    }

    /**
     * Drops every frame of {@code volume} from page {@code fromPage} on, without writing dirty ones (the
     * caller is truncating or deleting the volume). Waits up to the fix timeout for I/O in flight on them.
     *
     * @throws IllegalStateException if one of them is pinned by a fixer
     * @throws FixTimeoutException   if their I/O did not finish in time
     */
    public void discard(String volume, long fromPage) throws PageIoException {
        long start = System.nanoTime();
        lock.lock();
        try {
            while (true) {
                boolean busy = false;
                for (Frame f : new ArrayList<>(table.values())) {
                    if (!f.pageId.volume().equals(volume) || f.pageId.page() < fromPage) {
                        continue;
                    }
                    if (f.pinned()) {
                        throw new IllegalStateException("discard of " + f.pageId + ": it is fixed");
                    }
                    if (f.state == FrameState.READING || f.state == FrameState.WRITING || f.loadWaiters > 0) {
                        busy = true;
                        continue;
                    }
                    if (f.state == FrameState.DIRTY) {
                        dirtyFrames--;
                    }
                    table.remove(f.pageId);
                    policy.invalidate(f.pageId);
                    unmap(f);
                    f.mapGeneration++; // a sync waiting for this page stops waiting: it is gone
                    free.add(f);
                }
                if (!busy) {
                    changed.signalAll();
                    return;
                }
                long remaining = fixTimeoutNanos - (System.nanoTime() - start);
                if (remaining <= 0) {
                    throw new FixTimeoutException("discard of " + volume + " from page " + fromPage
                            + " timed out waiting for I/O in flight");
                }
                changed.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PageIoException(PageIoException.Kind.REJECTED, "discard of " + volume + ": interrupted", e);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ transitions (lock held)

    /** A frame for a new page: a free one, or an evicted CLEAN one; starts write-backs of dirty candidates. */
    private Frame takeFrame(List<Runnable> pendingIo) {
        Frame f = free.poll();
        if (f != null) {
            return f;
        }
        int writes = 0;
        for (int scan : new int[] {CANDIDATE_SCAN, Integer.MAX_VALUE}) {
            for (PageId id : eviction.coldest(scan).keySet()) {
                Frame c = table.get(id);
                if (c == null || c.pinned() || c.flushRequested || c.loadWaiters > 0) {
                    continue;
                }
                if (c.state == FrameState.CLEAN) {
                    evict(c);
                    return c;
                }
                if (c.state == FrameState.DIRTY && writes < MAX_WRITEBACKS_PER_MISS) {
                    startWriteBack(c, pendingIo);
                    writes++;
                }
            }
            if (writes > 0 || table.size() <= scan) {
                return null; // wait for a write-back, or everything was seen
            }
        }
        return null;
    }

    private void evict(Frame f) {
        if (f.pinned() || f.state != FrameState.CLEAN || f.flushRequested || f.loadWaiters > 0) {
            throw new AssertionError("evicting " + f);
        }
        table.remove(f.pageId);
        policy.invalidate(f.pageId);
        unmap(f);
        evictions.increment();
    }

    private void unmap(Frame f) {
        f.state = FrameState.FREE;
        f.pageId = null;
        f.volume = null;
        f.load = null;
        f.writeFailure = null;
        f.dirtyEpoch = 0;
        f.durableEpoch = 0;
    }

    /** FREE → READING: maps {@code f} to {@code id} and queues its read. */
    private void startRead(Frame f, Volume volume, PageId id, List<Runnable> pendingIo) {
        f.state = FrameState.READING;
        f.pageId = id;
        f.volume = volume;
        f.mapGeneration++;
        CompletableFuture<Void> load = new CompletableFuture<>();
        f.load = load;
        table.put(id, f);
        policy.put(id, Boolean.TRUE);
        ByteBuffer into = f.bytes.duplicate();
        pendingIo.add(() -> issue(() -> io.read(volume, id.page(), into)).whenComplete((x, e) -> onIoThread(() -> readDone(f, load, e))));
    }

    private void readDone(Frame f, CompletableFuture<Void> load, Throwable failure) {
        lock.lock();
        try {
            if (f.load != load || f.state != FrameState.READING) {
                throw new AssertionError("read completion for " + f);
            }
            if (failure == null) {
                f.state = FrameState.CLEAN;
                load.complete(null);
            } else {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                log.debug("read of {} failed; frame {} freed", f.pageId, f.index, cause);
                table.remove(f.pageId);
                policy.invalidate(f.pageId);
                unmap(f);
                free.add(f);
                load.completeExceptionally(cause);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** DIRTY → WRITING: queues the frame's write; the frame is pinned by it until the write completes. */
    private void startWriteBack(Frame f, List<Runnable> pendingIo) {
        if (f.exclusivePin || f.state != FrameState.DIRTY) {
            throw new AssertionError("write-back of " + f);
        }
        f.state = FrameState.WRITING;
        f.flushRequested = false;
        dirtyFrames--;
        long epoch = f.dirtyEpoch;
        Volume volume = f.volume;
        long page = f.page();
        ByteBuffer data = f.bytes.duplicate();
        writeBacks.increment();
        pendingIo.add(() -> issue(() -> io.write(volume, page, data)).whenComplete((x, e) -> onIoThread(() -> writeDone(f, epoch, e))));
    }

    private void writeDone(Frame f, long epoch, Throwable failure) {
        lock.lock();
        try {
            if (f.state != FrameState.WRITING || f.dirtyEpoch != epoch) {
                throw new AssertionError("write completion for " + f);
            }
            if (failure == null) {
                f.state = FrameState.CLEAN;
                f.durableEpoch = epoch;
                f.writeFailure = null;
            } else {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                log.warn("write-back of {} (frame {}) failed; the page stays dirty", f.pageId, f.index, cause);
                f.state = FrameState.DIRTY;
                f.writeFailure = cause;
                f.writeFailures++;
                dirtyFrames++;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void pin(Frame f, Mode mode) {
        if (!f.pinned()) {
            pinnedFrames++;
        }
        if (mode == Mode.SHARED) {
            f.sharedPins++;
        } else {
            f.exclusivePin = true;
        }
    }

    // ------------------------------------------------------------------ waiting

    /**
     * Issues queued I/O (unlocked) if there is any, else waits for a change until the fix deadline.
     * {@code on} is the frame the fixer waits for, or null when it waits for any frame.
     */
    private void awaitChange(long start, List<Runnable> pendingIo, PageId id, Frame on) throws PageIoException {
        if (!pendingIo.isEmpty()) {
            runUnlocked(pendingIo);
            return;
        }
        long remaining = fixTimeoutNanos - (System.nanoTime() - start);
        if (remaining <= 0) {
            throw fixTimedOut(id, on);
        }
        waiters++;
        try {
            changed.awaitNanos(remaining);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PageIoException(PageIoException.Kind.REJECTED, "fix of " + id + ": interrupted while waiting", e);
        } finally {
            waiters--;
        }
    }

    private void runUnlocked(List<Runnable> pendingIo) {
        List<Runnable> batch = new ArrayList<>(pendingIo);
        pendingIo.clear();
        lock.unlock();
        try {
            batch.forEach(Runnable::run);
        } finally {
            lock.lock();
        }
    }

    private FixTimeoutException fixTimedOut(PageId id, Frame on) {
        long ms = config.fixTimeout().toMillis();
        if (on != null) {
            return new FixTimeoutException("fix of " + id + " timed out after " + ms + " ms waiting for " + on
                    + (on.flushRequested ? " (a sync waits for its exclusive pin to end)" : ""));
        }
        int reading = 0;
        int writing = 0;
        for (Frame f : frames) {
            reading += f.state == FrameState.READING ? 1 : 0;
            writing += f.state == FrameState.WRITING ? 1 : 0;
        }
        return new FixTimeoutException("fix of " + id + " timed out after " + ms + " ms: no frame to take, all "
                + frames.length + " frames are pinned or in I/O (pinned " + pinnedFrames + ", reading " + reading
                + ", writing " + writing + ", dirty " + dirtyFrames + "); unfix pages or raise budgetBytes");
    }

    private static PageIoException readFailed(PageId id, CompletableFuture<Void> load) {
        Throwable cause;
        try {
            load.join();
            throw new AssertionError("read of " + id + " did not fail");
        } catch (CompletionException e) {
            cause = e.getCause();
        }
        PageIoException.Kind kind = cause instanceof PageIoException p ? p.kind() : PageIoException.Kind.STORAGE;
        return new PageIoException(kind, "fix of " + id + ": its read failed: " + cause.getMessage(), cause);
    }

    /** Runs a completion; a broken invariant there is logged, since the pager's future would swallow it. */
    private static void onIoThread(Runnable completion) {
        try {
            completion.run();
        } catch (Throwable t) {
            log.error("buffer pool completion failed", t);
            throw t;
        }
    }

    private static CompletableFuture<?> issue(java.util.function.Supplier<CompletableFuture<?>> submit) {
        try {
            return submit.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // ------------------------------------------------------------------ checks and lifecycle

    /** Checks the numbered invariants of the class doc; throws {@link AssertionError} naming the first broken. */
    public void assertInvariants() {
        lock.lock();
        try {
            int dirty = 0;
            int pinned = 0;
            int mapped = 0;
            for (Frame f : frames) {
                if (f.state == FrameState.FREE) {
                    check(f.pageId == null && !f.pinned() && free.contains(f), 1, f);
                    continue;
                }
                mapped++;
                check(table.get(f.pageId) == f, 1, f);
                check(!f.pinned() || f.state != FrameState.READING, 2, f);
                check(!f.exclusivePin || f.state != FrameState.WRITING, 2, f);
                check(!f.exclusivePin || f.sharedPins == 0, 3, f);
                check(f.sharedPins >= 0, 3, f);
                check(f.state != FrameState.CLEAN || f.durableEpoch == f.dirtyEpoch, 5, f);
                check(f.state != FrameState.DIRTY || f.durableEpoch < f.dirtyEpoch, 5, f);
                check(policy.asMap().containsKey(f.pageId), 6, f);
                dirty += f.state == FrameState.DIRTY ? 1 : 0;
                pinned += f.pinned() ? 1 : 0;
            }
            check(mapped == table.size() && mapped + free.size() == frames.length, 1, "mapped " + mapped
                    + ", table " + table.size() + ", free " + free.size() + ", frames " + frames.length);
            check(policy.estimatedSize() == table.size(), 6, "policy size " + policy.estimatedSize() + ", table " + table.size());
            check(dirty == dirtyFrames && pinned == pinnedFrames, 6, "dirty " + dirty + "/" + dirtyFrames
                    + ", pinned " + pinned + "/" + pinnedFrames);
        } finally {
            lock.unlock();
        }
    }

    private static void check(boolean holds, int invariant, Object what) {
        if (!holds) {
            throw new AssertionError("buffer pool invariant " + invariant + " broken: " + what);
        }
    }

    /**
     * Closes the pool: later fixes fail. Dirty pages are not written; call {@link #sync} first. The frames'
     * memory is freed when the pool is garbage.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
