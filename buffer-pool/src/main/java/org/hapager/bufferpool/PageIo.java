package org.hapager.bufferpool;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.hapager.pager.PagerClient;
import org.hapager.pager.Volume;
import org.hapager.wire.WireLimits;

/**
 * The page I/O a {@link BufferPool} issues: {@link #of(PagerClient)} in production; {@link MemoryPageIo} in
 * benchmarks and unit tests. Each future completes when the I/O is done. Writes come in two classes:
 * <ul>
 *   <li>{@link #write} is <em>durable</em>: it completes once its pages are durable, and it also makes durable
 *       every buffered write of the volume that completed before it was issued;</li>
 *   <li>{@link #writeBuffered} completes once the store has the page (a later read sees it), but it may be lost
 *       by a crash until the next {@link #sync} of the volume, or the next durable write of it, completes.</li>
 * </ul>
 * The pool writes back buffered when it evicts or flushes in the background, and durable (plus one
 * {@link #sync} when buffered write-backs of the volume are not yet covered) when its caller syncs. The
 * buffers passed in belong to the I/O until its future completes and must not be touched after completion.
 */
public interface PageIo {

    /** Reads one page into {@code into} (position 0 to its limit). */
    CompletableFuture<?> read(Volume volume, long page, ByteBuffer into);

    /**
     * Writes the pages in {@code data} (position to limit: one or more whole pages, at most
     * {@link #maxWriteBytes()}) from {@code firstPage} on; completes once they are durable, and with them
     * every buffered write of the volume that completed before this one was issued.
     */
    CompletableFuture<?> write(Volume volume, long firstPage, ByteBuffer data);

    /**
     * Writes one page, completing once the store has it but before it is durable: it becomes durable with
     * the next {@link #sync} of the volume, or the next durable {@link #write} of it, issued after this
     * completed. A store without a cheaper way may make it durable at once.
     */
    CompletableFuture<?> writeBuffered(Volume volume, long page, ByteBuffer data);

    /** Completes when every request on the volume issued earlier has completed and the volume is durable. */
    CompletableFuture<?> sync(String volume);

    /** The largest payload of one {@link #write} in bytes (the wire's {@code maxIoBytes}). */
    default int maxWriteBytes() {
        return WireLimits.DEFAULT_MAX_IO_BYTES;
    }

    static PageIo of(PagerClient pager) {
        int maxIoBytes = pager.config().limits().maxIoBytes();
        return new PageIo() {
            @Override
            public CompletableFuture<?> read(Volume volume, long page, ByteBuffer into) {
                return pager.read(volume, page, into);
            }

            @Override
            public CompletableFuture<?> write(Volume volume, long firstPage, ByteBuffer data) {
                return pager.write(volume, firstPage, data);
            }

            @Override
            public CompletableFuture<?> writeBuffered(Volume volume, long page, ByteBuffer data) {
                return pager.writeBuffered(volume, page, data);
            }

            @Override
            public CompletableFuture<?> sync(String volume) {
                return pager.sync(volume);
            }

            @Override
            public int maxWriteBytes() {
                return maxIoBytes;
            }
        };
    }
}
