package org.hapager.bufferpool;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.hapager.pager.PagerClient;
import org.hapager.pager.Volume;

/**
 * The page I/O a {@link BufferPool} issues: {@link #of(PagerClient)} in production; in-memory stores in
 * benchmarks and unit tests. Each future completes when the I/O is done; a write's completes only once the
 * page is durable (the pool's {@code sync} relies on it and issues no separate sync). The buffers passed in
 * are the frame's and must not be touched after completion.
 */
public interface PageIo {

    CompletableFuture<?> read(Volume volume, long page, ByteBuffer into);

    CompletableFuture<?> write(Volume volume, long page, ByteBuffer data);

    static PageIo of(PagerClient pager) {
        return new PageIo() {
            @Override
            public CompletableFuture<?> read(Volume volume, long page, ByteBuffer into) {
                return pager.read(volume, page, into);
            }

            @Override
            public CompletableFuture<?> write(Volume volume, long page, ByteBuffer data) {
                return pager.write(volume, page, data);
            }
        };
    }
}
