package org.hapager.bufferpool;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads: FREE → READING → CLEAN, or back to FREE when the read fails. Every method but the completion runs
 * with the pool's lock held; the completion takes it.
 */
final class Loads {

    private static final Logger log = LoggerFactory.getLogger(Loads.class);

    private final FrameTable table;
    private final PageIo io;

    Loads(FrameTable table, PageIo io) {
        this.table = table;
        this.io = io;
    }

    /** FREE → READING: maps {@code f} (off the free list) to {@code id} and queues its read. */
    void startRead(Frame f, Volume volume, PageId id, List<Runnable> pendingIo) {
        table.map(f, id, volume);
        CompletableFuture<Void> load = new CompletableFuture<>();
        f.load = load;
        ByteBuffer into = f.bytes.duplicate();
        pendingIo.add(() -> FrameTable.submit(() -> io.read(volume, id.page(), into), e -> readDone(f, load, e)));
    }

    /** READING → CLEAN, or READING → FREE on failure: the page is unmapped and its fixers fail with the cause. */
    private void readDone(Frame f, CompletableFuture<Void> load, Throwable failure) {
        table.lock.lock();
        try {
            if (f.load != load || f.state != FrameState.READING) {
                throw new AssertionError("read completion for " + f);
            }
            if (failure == null) {
                f.state = FrameState.CLEAN;
                load.complete(null);
            } else {
                log.debug("read of {} failed; frame {} freed", f.pageId, f.index, failure);
                table.release(f);
                load.completeExceptionally(failure);
            }
            table.changed.signalAll();
        } finally {
            table.lock.unlock();
        }
    }

    /** The failure a fixer of {@code id} reports for its failed read. */
    static PageIoException readFailed(PageId id, CompletableFuture<Void> load) {
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
}
