package org.hapager.bufferpool;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.hapager.pager.Volume;

/**
 * One frame: a page-sized slice of a slab and the pool's bookkeeping for it. Every mutable field is
 * guarded by the pool's one lock ({@code FrameTable.lock}).
 */
final class Frame {

    final int index;
    /** The frame's bytes: position 0, limit the page size. Never handed out; handles get duplicates. */
    final ByteBuffer bytes;

    // ---- guarded by FrameTable.lock
    FrameState state = FrameState.FREE;
    /** The page mapped here, or null when FREE. */
    PageId pageId;
    Volume volume;
    /** Bumped each time the frame is mapped to a page, so a waiter can tell its page went away. */
    long mapGeneration;
    int sharedPins;
    boolean exclusivePin;
    /** Bumped by every markDirty. */
    long dirtyEpoch;
    /**
     * The dirtyEpoch the last completed write-back wrote: durable, or, after a buffered one, durable with the
     * volume's next barrier (a sync issues it). CLEAN means durableEpoch == dirtyEpoch.
     */
    long durableEpoch;
    /** The read in flight (READING) or that failed; fixers waiting for it watch this future. */
    CompletableFuture<Void> load;
    /** Mapped by a prefetch (or read-ahead) and not fixed since: READING or CLEAN, unpinned. */
    boolean prefetched;
    /** Fixers that waited for this frame's read and have not yet pinned it or given up; blocks eviction. */
    int loadWaiters;
    /** Set by sync: new exclusive fixes wait so the exclusive pin ends and the write-back can start. */
    boolean flushRequested;
    /** Why the last write-back failed, or null; cleared by a successful one. */
    Throwable writeFailure;
    /** Failed write-backs so far; a sync notices one that failed after it began. */
    int writeFailures;
    /** The flush ticker's time when it last became DIRTY (or its write-back last failed): the flusher's age. */
    long dirtySince;
    /** Who started the write-back in flight: non-null exactly when WRITING. */
    WriteBack.Cause writeCause;
    /** System.nanoTime() when the write-back in flight started (meaningful while WRITING; timeout messages). */
    long writeSince;

    Frame(int index, ByteBuffer bytes) {
        this.index = index;
        this.bytes = bytes;
    }

    boolean pinned() {
        return sharedPins > 0 || exclusivePin;
    }

    long page() {
        return pageId.page();
    }

    @Override
    public String toString() {
        return "frame " + index + " (" + state + ", " + pageId + ", shared " + sharedPins + ", exclusive " + exclusivePin + ")";
    }
}
