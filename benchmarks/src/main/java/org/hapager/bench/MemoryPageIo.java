package org.hapager.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.hapager.bufferpool.PageIo;
import org.hapager.pager.Volume;

/**
 * Page I/O that completes at once on the caller's thread and stores nothing: a read stamps the page number
 * into the first 8 bytes of the frame (so a benchmark can check that the pool served the page it asked for),
 * a write (durable or buffered) is dropped and a sync does nothing. The pool therefore pays only for its own
 * bookkeeping on a miss.
 */
public final class MemoryPageIo implements PageIo {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private long reads;

    @Override
    public CompletableFuture<?> read(Volume volume, long page, ByteBuffer into) {
        into.putLong(0, page);
        reads++;
        return DONE;
    }

    @Override
    public CompletableFuture<?> write(Volume volume, long firstPage, ByteBuffer data) {
        return DONE;
    }

    @Override
    public CompletableFuture<?> writeBuffered(Volume volume, long page, ByteBuffer data) {
        return DONE;
    }

    @Override
    public CompletableFuture<?> sync(String volume) {
        return DONE;
    }

    /** Reads issued so far (not thread-safe: for single-threaded replays). */
    public long reads() {
        return reads;
    }
}
