package org.hapager.bufferpool.memory;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.hapager.bufferpool.PageIo;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;

/**
 * Pages in a map, completed on one I/O thread as the pager does. A page never written reads as zeros, like
 * a hole on a page server. Reads of the pages in {@link #failReads} fail with kind STORAGE; writes fail while
 * {@link #failWrites} is set. Counts every call. Buffered writes are stored like durable ones.
 */
final class MemoryPageIo implements PageIo, AutoCloseable {

    private final Map<String, Map<Long, byte[]>> volumes = new ConcurrentHashMap<>();
    private final ExecutorService ioThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "memory-page-io");
        t.setDaemon(true);
        return t;
    });
    final Set<Long> failReads = ConcurrentHashMap.newKeySet();
    volatile boolean failWrites;
    final AtomicInteger reads = new AtomicInteger();
    /** Write calls, durable and buffered (a durable write of several pages counts once). */
    final AtomicInteger writes = new AtomicInteger();
    final AtomicInteger syncs = new AtomicInteger();

    @Override
    public CompletableFuture<?> read(Volume volume, long page, ByteBuffer into) {
        reads.incrementAndGet();
        return CompletableFuture.supplyAsync(() -> {
            if (failReads.contains(page)) {
                throw new java.util.concurrent.CompletionException(new PageIoException(PageIoException.Kind.STORAGE,
                        "read of " + volume + " page " + page + ": injected failure"));
            }
            byte[] stored = stored(volume, page);
            ByteBuffer to = into.duplicate();
            if (stored == null) {
                to.put(new byte[volume.pageSize()]);
            } else {
                to.put(stored);
            }
            return null;
        }, ioThread);
    }

    @Override
    public CompletableFuture<?> write(Volume volume, long firstPage, ByteBuffer data) {
        writes.incrementAndGet();
        return CompletableFuture.supplyAsync(() -> {
            if (failWrites) {
                throw new java.util.concurrent.CompletionException(new PageIoException(PageIoException.Kind.STORAGE,
                        "write of " + volume + " page " + firstPage + ": injected failure"));
            }
            ByteBuffer from = data.duplicate();
            for (long page = firstPage; from.hasRemaining(); page++) {
                byte[] copy = new byte[volume.pageSize()];
                from.get(copy);
                volumes.computeIfAbsent(volume.name(), v -> new ConcurrentHashMap<>()).put(page, copy);
            }
            return null;
        }, ioThread);
    }

    /** Stored like a durable write: nothing in memory is lost. */
    @Override
    public CompletableFuture<?> writeBuffered(Volume volume, long page, ByteBuffer data) {
        return write(volume, page, data);
    }

    /** Completes on the I/O thread after every earlier request (one thread: in order). */
    @Override
    public CompletableFuture<?> sync(String volume) {
        syncs.incrementAndGet();
        return CompletableFuture.runAsync(() -> { }, ioThread);
    }

    /** The page as last written through this I/O, or null if never written. */
    byte[] stored(Volume volume, long page) {
        Map<Long, byte[]> pages = volumes.get(volume.name());
        return pages == null ? null : pages.get(page);
    }

    /** Pages written so far. */
    int storedPages(Volume volume) {
        Map<Long, byte[]> pages = volumes.get(volume.name());
        return pages == null ? 0 : pages.size();
    }

    @Override
    public void close() {
        ioThread.shutdownNow();
    }
}
