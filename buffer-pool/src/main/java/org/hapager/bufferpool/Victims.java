package org.hapager.bufferpool;

import io.micrometer.core.instrument.Counter;
import java.util.Iterator;
import java.util.function.Supplier;

/**
 * Victim choice: which frame a page that is not resident gets. Every method runs with the pool's lock held.
 *
 * <p>Caffeine (W-TinyLFU) is the policy only: a bounded cache keyed by page whose
 * {@code policy().eviction().coldest(n)} ({@link FrameTable#coldest}) orders candidates; a miss takes the
 * first unpinned CLEAN one and starts buffered write-back of unpinned DIRTY ones on the way. Caffeine never
 * evicts by itself (its maximum is the frame count and it holds only mapped pages) and its weights are not used for
 * pinning: its zero-weight pinning has known races (ben-manes/caffeine issues 1776 and 1791), so this class
 * alone decides which frame may go, by the pin rule of {@link BufferPool} (invariant 4), and the frame table
 * holds the budget. All policy calls happen under the pool's lock, with maintenance on the caller's thread.
 * A page enters the policy when its frame is mapped, without an access; each fix records one, so a
 * prefetched page nobody fixed is as cold as a page can be.
 */
final class Victims {

    /** Coldest candidates looked at per miss before looking at all of them. */
    static final int CANDIDATE_SCAN = 64;
    /** Write-backs of dirty candidates one miss may start. */
    static final int MAX_WRITEBACKS_PER_MISS = 4;

    private final FrameTable table;
    private final WriteBack writeBack;
    private final Counter evictions;

    Victims(FrameTable table, WriteBack writeBack, PoolMeters meters) {
        this.table = table;
        this.writeBack = writeBack;
        this.evictions = meters.evictions;
    }

    /**
     * A frame for a fix miss, FREE and off the free list: a free one, or an evicted CLEAN one; null if there
     * is none now. Starts write-backs of unpinned DIRTY candidates on the way, their writes deferred to
     * {@code deferred}.
     */
    Frame takeForFix(DeferredIo deferred) {
        Frame f = table.pollFree();
        if (f != null) {
            return f;
        }
        int writes = 0;
        for (int scan : new int[] {CANDIDATE_SCAN, Integer.MAX_VALUE}) {
            for (PageId id : table.coldest(scan)) {
                Frame c = table.get(id);
                if (c == null || c.pinned() || c.flushRequested || c.loadWaiters > 0) {
                    continue;
                }
                if (c.state == FrameState.CLEAN) {
                    evict(c);
                    return c;
                }
                if (c.state == FrameState.DIRTY && writes < MAX_WRITEBACKS_PER_MISS) {
                    writeBack.start(c, WriteBack.Cause.EVICTION, deferred);
                    writes++;
                }
            }
            if (writes > 0 || table.mappedCount() <= scan) {
                return null; // wait for a write-back, or everything was seen
            }
        }
        return null;
    }

    /**
     * Frames for one prefetch of up to {@code pages} pages, one per call until null: free ones, then CLEAN
     * ones evicted in the policy's order among the {@code CANDIDATE_SCAN + pages} coldest, looked at once per
     * prefetch. Never a frame a prefetch brought in that nobody fixed yet (a read-ahead window must not push
     * out the one before it, which its reader has not reached), never a write-back, never a wait.
     */
    Supplier<Frame> forPrefetch(int pages) {
        return new Supplier<>() {
            private Iterator<PageId> candidates;

            @Override
            public Frame get() {
                Frame f = table.pollFree();
                if (f != null) {
                    return f;
                }
                if (candidates == null) {
                    candidates = table.coldest(CANDIDATE_SCAN + pages).iterator();
                }
                while (candidates.hasNext()) {
                    Frame c = table.get(candidates.next());
                    if (c != null && evictable(c) && !c.prefetched) {
                        evict(c);
                        return c;
                    }
                }
                return null;
            }
        };
    }

    /** Invariant 4: only an unpinned CLEAN frame that no fixer waits to pin after its read may go. */
    private static boolean evictable(Frame c) {
        return c.state == FrameState.CLEAN && !c.pinned() && !c.flushRequested && c.loadWaiters == 0;
    }

    /** CLEAN → FREE: unmaps the frame for reuse at once (not put on the free list). */
    private void evict(Frame f) {
        if (!evictable(f)) {
            throw new AssertionError("evicting " + f);
        }
        table.unmap(f);
        evictions.increment();
    }
}
