package org.hapager.bufferpool;

import io.micrometer.core.instrument.Counter;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads: FREE → READING → CLEAN, or back to FREE when the read fails; for a fix miss, and for a prefetch
 * (explicit, or read-ahead's). Every method but the completion runs with the pool's lock held; the
 * completion takes it.
 */
final class Loads {

    private static final Logger log = LoggerFactory.getLogger(Loads.class);

    private final FrameTable table;
    private final Victims victims;
    private final PageIo io;
    private final Counter prefetchReads;

    Loads(FrameTable table, Victims victims, PageIo io, PoolMeters meters) {
        this.table = table;
        this.victims = victims;
        this.io = io;
        this.prefetchReads = meters.prefetchReads;
    }

    /**
     * FREE → CLEAN without a read, for {@link BufferPool#fixBlank}: maps {@code f} (off the free list) to
     * {@code id}, zero-filled. The caller pins it before it lets the pool's lock go.
     */
    void mapBlank(Frame f, Volume volume, PageId id) {
        table.map(f, id, volume, false);
        ByteBuffer bytes = f.bytes;
        for (int i = 0; i < bytes.limit(); i += Long.BYTES) {
            bytes.putLong(i, 0L);
        }
        f.load = CompletableFuture.completedFuture(null);
        f.state = FrameState.CLEAN;
    }

    /** FREE → READING for a fix miss: maps {@code f} (off the free list) to {@code id} and defers its read. */
    void startRead(Frame f, Volume volume, PageId id, DeferredIo deferred) {
        startRead(f, volume, id, null, deferred);
    }

    /**
     * FREE → READING for the pages of {@code [first, first + count)} that are not mapped (resident or being
     * read), into frames from {@link Victims#forPrefetch}, stopping at the first page it has no frame for.
     * The frames are marked prefetched and pinned by nobody; their reads are deferred to {@code deferred}. The
     * future completes when those reads did: exceptionally, naming a page, if one failed (that frame is freed
     * like a failed fix read's).
     */
    CompletableFuture<Void> prefetch(Volume volume, long first, int count, DeferredIo deferred) {
        Batch batch = new Batch();
        Supplier<Frame> frames = victims.forPrefetch(count);
        for (long p = first; p < first + count; p++) {
            PageId id = new PageId(volume.name(), p);
            if (table.get(id) != null) {
                continue;
            }
            Frame f = frames.get();
            if (f == null) {
                break; // no frame without waiting: stop here, without error
            }
            batch.outstanding++;
            startRead(f, volume, id, batch, deferred);
            prefetchReads.increment();
        }
        if (batch.outstanding == 0) {
            batch.done.complete(null);
        }
        return batch.done;
    }

    private void startRead(Frame f, Volume volume, PageId id, Batch batch, DeferredIo deferred) {
        table.map(f, id, volume, batch != null);
        CompletableFuture<Void> load = new CompletableFuture<>();
        f.load = load;
        ByteBuffer into = f.bytes.duplicate();
        deferred.defer(batch == null ? DeferredIo.Kind.READ : DeferredIo.Kind.PREFETCH,
                () -> io.read(volume, id.page(), into), e -> readDone(f, load, batch, e));
    }

    /** READING → CLEAN, or READING → FREE on failure: the page is unmapped and its fixers fail with the cause. */
    private void readDone(Frame f, CompletableFuture<Void> load, Batch batch, Throwable failure) {
        boolean batchDone = false;
        table.lock.lock();
        try {
            if (f.load != load || f.state != FrameState.READING) {
                throw new AssertionError("read completion for " + f);
            }
            PageId id = f.pageId;
            if (failure == null) {
                f.state = FrameState.CLEAN;
                load.complete(null);
            } else {
                log.debug("read of {} failed; frame {} freed", id, f.index, failure);
                table.release(f);
                load.completeExceptionally(failure);
            }
            table.changed.signalAll();
            if (batch != null) {
                if (failure != null && batch.failure == null) {
                    batch.failure = failed("prefetch", id, failure);
                }
                batchDone = --batch.outstanding == 0;
            }
        } finally {
            table.lock.unlock();
        }
        if (batchDone) { // unlocked: the caller's dependent actions must not run under the pool's lock
            if (batch.failure == null) {
                batch.done.complete(null);
            } else {
                batch.done.completeExceptionally(batch.failure);
            }
        }
    }

    /** The failure a fixer of {@code id} reports for its failed read. */
    static PageIoException readFailed(PageId id, CompletableFuture<Void> load) {
        try {
            load.join();
            throw new AssertionError("read of " + id + " did not fail");
        } catch (CompletionException e) {
            return failed("fix", id, e.getCause());
        }
    }

    private static PageIoException failed(String what, PageId id, Throwable cause) {
        PageIoException.Kind kind = cause instanceof PageIoException p ? p.kind() : PageIoException.Kind.STORAGE;
        return new PageIoException(kind, what + " of " + id + ": its read failed: " + cause.getMessage(), cause);
    }

    /** The reads of one prefetch; guarded by the pool's lock, its future completed unlocked. */
    private static final class Batch {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        int outstanding;
        PageIoException failure;
    }
}
