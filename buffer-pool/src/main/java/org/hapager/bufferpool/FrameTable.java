package org.hapager.bufferpool;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.hapager.pager.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's frames and who maps what: the one lock of the pool and its condition, the frames, the page
 * table, the free list, the eviction policy's index of mapped pages, and the pin counts. Every part of the
 * pool ({@link BufferPool}, {@link Victims}, {@link Loads}, {@link WriteBack}, {@link Flusher},
 * {@link ReadAhead}) works under {@link #lock}; see {@link BufferPool} for the state machine and who may
 * perform which transition. Methods here assume the lock is held unless they say otherwise.
 */
final class FrameTable {

    private static final Logger log = LoggerFactory.getLogger(FrameTable.class);

    /** Largest slab: direct buffers are int-indexed. */
    private static final long MAX_SLAB_BYTES = 1L << 30;

    /** The pool's only lock. */
    final ReentrantLock lock = new ReentrantLock();
    /** Signalled on every pin release, I/O completion and state change that may unblock a fixer, a sync or a discard. */
    final Condition changed = lock.newCondition();
    /** Fixed at construction: the budget holds whatever the policy does. */
    final Frame[] frames;

    private final Map<PageId, Frame> table = new HashMap<>();
    /**
     * By volume name, the mapped frames holding changes not yet written back ({@code dirtyEpoch > durableEpoch}:
     * DIRTY, or WRITING): what a {@code sync} of the volume waits for (then for a barrier, if buffered
     * write-backs of the volume are not yet covered: {@code WriteBack}), found without scanning every frame
     * (a scan under the lock took two thirds of the CPU of a commit-heavy Derby run). Invariant 10.
     */
    private final Map<String, Set<Frame>> notDurable = new HashMap<>();
    private final ArrayDeque<Frame> free = new ArrayDeque<>();
    /**
     * The policy only ranks mapped pages (W-TinyLFU); it never evicts by itself (its maximum is the frame
     * count and it holds only mapped pages). Thread-safe, but read together with the table under the lock.
     */
    private final Cache<PageId, Boolean> policy;
    private final Policy.Eviction<PageId, Boolean> eviction;

    /** Frames pinned by fixers; read racily by gauges. */
    private volatile int pinnedFrames;
    /** Frames mapped by a prefetch and not fixed since (READING or CLEAN); read racily by gauges. */
    private volatile int unusedPrefetched;
    /** Set once by {@link BufferPool#close()}. */
    boolean closed;
    /** Threads waiting on {@link #changed} now (for tests that line waiters up); read racily. */
    private volatile int waiters;

    FrameTable(int frameCount, int pageSize) {
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
    }

    // ------------------------------------------------------------------ the page table

    Frame get(PageId id) {
        return table.get(id);
    }

    /** Mapped frames, for scans by volume (discard). */
    Iterable<Frame> mapped() {
        return table.values();
    }

    /** The frames of {@code volume} with changes not yet durable (a live view: copy before unlocking). */
    Collection<Frame> notDurable(String volume) {
        Set<Frame> s = notDurable.get(volume);
        return s == null ? List.of() : s;
    }

    /** Called after {@code f.dirtyEpoch} grew: its latest change is not durable. */
    void changed(Frame f) {
        notDurable.computeIfAbsent(f.pageId.volume(), v -> new HashSet<>()).add(f);
    }

    /** Called after {@code f.durableEpoch} grew: if it caught up with {@code dirtyEpoch}, nothing is pending. */
    void madeDurable(Frame f) {
        if (f.durableEpoch >= f.dirtyEpoch) {
            forgetPending(f);
        }
    }

    private void forgetPending(Frame f) {
        Set<Frame> s = notDurable.get(f.pageId.volume());
        if (s != null && s.remove(f) && s.isEmpty()) {
            notDurable.remove(f.pageId.volume());
        }
    }

    int mappedCount() {
        return table.size();
    }

    /** A FREE frame off the free list, or null. */
    Frame pollFree() {
        return free.poll();
    }

    /** Frames on the free list; takes the lock (tests). */
    int freeFrames() {
        lock.lock();
        try {
            return free.size();
        } finally {
            lock.unlock();
        }
    }

    /** The state of the frame mapped to {@code id}, or null; takes the lock (tests). */
    FrameState stateOf(PageId id) {
        lock.lock();
        try {
            Frame f = table.get(id);
            return f == null ? null : f.state;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Maps a FREE frame (off the free list) to {@code id} in state READING and admits the page to the policy
     * without recording an access: a page nobody fixed yet is as cold as a page can be. A prefetched frame
     * stays marked until its first fix.
     */
    void map(Frame f, PageId id, Volume volume, boolean prefetched) {
        if (f.state != FrameState.FREE || f.pageId != null || table.containsKey(id)) {
            throw new AssertionError("mapping " + id + " to " + f);
        }
        f.state = FrameState.READING;
        f.pageId = id;
        f.volume = volume;
        f.mapGeneration++;
        if (prefetched) {
            f.prefetched = true;
            unusedPrefetched++;
        }
        table.put(id, f);
        policy.put(id, Boolean.TRUE);
    }

    /** Records a fix of {@code id} for the policy. */
    void touch(PageId id) {
        policy.getIfPresent(id);
    }

    /** The coldest mapped pages, coldest first (a snapshot). */
    Iterable<PageId> coldest(int limit) {
        return eviction.coldest(limit).keySet();
    }

    /**
     * Unmaps a frame (→ FREE) without putting it on the free list (an eviction remaps it at once). Its
     * contents are forgotten, dirty or not: callers decide that it may go.
     */
    void unmap(Frame f) {
        if (f.state == FrameState.FREE || table.get(f.pageId) != f || f.pinned()) {
            throw new AssertionError("unmapping " + f);
        }
        table.remove(f.pageId);
        policy.invalidate(f.pageId);
        forgetPending(f); // a discarded DIRTY frame's changes are dropped, not pending
        if (f.prefetched) {
            f.prefetched = false;
            unusedPrefetched--;
        }
        f.state = FrameState.FREE;
        f.mapGeneration++; // a sync waiting for this frame's page sees it gone
        f.pageId = null;
        f.volume = null;
        f.load = null;
        f.writeFailure = null;
        f.flushRequested = false;
        f.dirtyEpoch = 0;
        f.durableEpoch = 0;
    }

    /** Unmaps a frame and puts it on the free list. */
    void release(Frame f) {
        unmap(f);
        free.add(f);
    }

    // ------------------------------------------------------------------ pins

    /** Pins a CLEAN or DIRTY frame; true if this is the first fix of a page a prefetch brought in. */
    boolean pin(Frame f, Mode mode) {
        if (!f.pinned()) {
            pinnedFrames++;
        }
        if (mode == Mode.SHARED) {
            f.sharedPins++;
        } else {
            f.exclusivePin = true;
        }
        if (f.prefetched) {
            f.prefetched = false;
            unusedPrefetched--;
            return true;
        }
        return false;
    }

    void unpin(Frame f, Mode mode) {
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
    }

    int pinnedFrames() {
        return pinnedFrames;
    }

    int unusedPrefetched() {
        return unusedPrefetched;
    }

    int waiters() {
        return waiters;
    }

    // ------------------------------------------------------------------ waiting

    /**
     * Issues {@code deferred} unlocked if it holds any I/O and returns true; otherwise waits on {@link #changed}
     * until {@code start + timeoutNanos} and returns false if that time had already passed.
     */
    boolean awaitChange(long start, long timeoutNanos, DeferredIo deferred) throws InterruptedException {
        if (!deferred.isEmpty()) {
            runUnlocked(deferred);
            return true;
        }
        long remaining = timeoutNanos - (System.nanoTime() - start);
        if (remaining <= 0) {
            return false;
        }
        waiters++;
        try {
            changed.awaitNanos(remaining);
        } finally {
            waiters--;
        }
        return true;
    }

    /** Issues (submits) the deferred I/O with the lock released, then takes it again; the batch is left empty. */
    void runUnlocked(DeferredIo deferred) {
        lock.unlock();
        try {
            deferred.issue();
        } finally {
            lock.lock();
        }
    }

    /**
     * Submits one I/O (unlocked: by {@link DeferredIo#issue}, or a sync's barrier) and runs {@code completion}
     * when it completes, with the failure unwrapped (null on success). A submit that throws a
     * {@link RuntimeException} is a failed I/O. A completion that throws (a broken invariant) is logged, since
     * the pager's future would swallow it.
     */
    static void submit(Supplier<CompletableFuture<?>> io, Consumer<Throwable> completion) {
        CompletableFuture<?> submitted;
        try {
            submitted = io.get();
        } catch (RuntimeException e) {
            submitted = CompletableFuture.failedFuture(e);
        }
        submitted.whenComplete((x, e) -> {
            try {
                completion.accept(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            } catch (Throwable t) {
                log.error("buffer pool completion failed", t);
                throw t;
            }
        });
    }

    /** "reading R, writing W" over all frames, for timeout messages. */
    String ioCounts() {
        int reading = 0;
        int writing = 0;
        for (Frame f : frames) {
            reading += f.state == FrameState.READING ? 1 : 0;
            writing += f.state == FrameState.WRITING ? 1 : 0;
        }
        return "reading " + reading + ", writing " + writing;
    }

    // ------------------------------------------------------------------ invariants

    /** Checks invariants 1–4, 6–7 and 9 of {@link BufferPool}: the table, the pins, the policy, prefetched frames. */
    void checkInvariants() {
        int pinned = 0;
        int mapped = 0;
        int prefetched = 0;
        int pending = 0;
        for (Frame f : frames) {
            check(f.loadWaiters >= 0, 4, f);
            if (f.state == FrameState.FREE) {
                check(f.pageId == null && !f.pinned() && !f.prefetched && !f.flushRequested && free.contains(f), 1, f);
                continue;
            }
            mapped++;
            check(table.get(f.pageId) == f, 1, f);
            check(!f.pinned() || f.state != FrameState.READING, 2, f);
            check(!f.exclusivePin || f.state != FrameState.WRITING, 2, f);
            check(!f.exclusivePin || f.sharedPins == 0, 3, f);
            check(f.sharedPins >= 0, 3, f);
            check(policy.asMap().containsKey(f.pageId), 6, f);
            check(!f.prefetched || (!f.pinned() && (f.state == FrameState.READING || f.state == FrameState.CLEAN)), 9, f);
            check((f.dirtyEpoch > f.durableEpoch) == notDurable(f.pageId.volume()).contains(f), 10, f);
            pending += f.dirtyEpoch > f.durableEpoch ? 1 : 0;
            pinned += f.pinned() ? 1 : 0;
            prefetched += f.prefetched ? 1 : 0;
        }
        check(mapped == table.size() && mapped + free.size() == frames.length, 1, "mapped " + mapped
                + ", table " + table.size() + ", free " + free.size() + ", frames " + frames.length);
        check(policy.estimatedSize() == table.size(), 6, "policy size " + policy.estimatedSize() + ", table " + table.size());
        check(pinned == pinnedFrames, 6, "pinned " + pinned + "/" + pinnedFrames);
        check(prefetched == unusedPrefetched, 9, "unused prefetched " + prefetched + "/" + unusedPrefetched);
        int indexed = notDurable.values().stream().mapToInt(Set::size).sum();
        check(pending == indexed && notDurable.values().stream().noneMatch(Set::isEmpty), 10,
                "frames not durable " + pending + ", indexed " + indexed);
    }

    static void check(boolean holds, int invariant, Object what) {
        if (!holds) {
            throw new AssertionError("buffer pool invariant " + invariant + " broken: " + what);
        }
    }
}
