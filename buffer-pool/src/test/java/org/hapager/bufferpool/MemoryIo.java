package org.hapager.bufferpool;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;

/**
 * Page I/O over memory for unit tests: counts calls, holds reads or writes until their gate opens, and fails
 * every read of the pages in {@link #failReads}. An I/O completes on the caller's thread if its gate is open,
 * else on the thread that opens it. A page never written reads as zeros. Buffered writes are stored like
 * durable ones (nothing here is lost), so {@link #sync} only counts and waits for the write gate.
 */
final class MemoryIo implements PageIo {

    private final Map<String, Map<Long, byte[]>> volumes = new ConcurrentHashMap<>();
    final AtomicInteger reads = new AtomicInteger();
    /** Write calls, durable and buffered (a durable write of several pages counts once). */
    final AtomicInteger writes = new AtomicInteger();
    /** Of {@link #writes}, the buffered ones. */
    final AtomicInteger bufferedWrites = new AtomicInteger();
    final AtomicInteger syncs = new AtomicInteger();
    /** "volume#page" of every page written, in the order submitted. */
    final List<String> written = Collections.synchronizedList(new ArrayList<>());
    /** Pages ("volume#page") whose reads fail with STORAGE. */
    final Set<String> failReads = ConcurrentHashMap.newKeySet();
    volatile CompletableFuture<Void> readGate = CompletableFuture.completedFuture(null);
    volatile CompletableFuture<Void> writeGate = CompletableFuture.completedFuture(null);

    @Override
    public CompletableFuture<?> read(Volume volume, long page, ByteBuffer into) {
        reads.incrementAndGet();
        ByteBuffer target = into.duplicate();
        return readGate.thenApply(x -> {
            String key = volume.name() + "#" + page;
            if (failReads.contains(key)) {
                throw new CompletionException(new PageIoException(PageIoException.Kind.STORAGE, "injected failure reading " + key));
            }
            byte[] bytes = pages(volume.name()).get(page);
            target.put(0, bytes == null ? new byte[volume.pageSize()] : bytes);
            return null;
        });
    }

    @Override
    public CompletableFuture<?> write(Volume volume, long firstPage, ByteBuffer data) {
        writes.incrementAndGet();
        int pages = data.remaining() / volume.pageSize();
        for (int i = 0; i < pages; i++) {
            written.add(volume.name() + "#" + (firstPage + i));
        }
        ByteBuffer source = data.duplicate();
        return writeGate.thenApply(x -> {
            for (int i = 0; i < pages; i++) {
                byte[] bytes = new byte[volume.pageSize()];
                source.get(source.position() + i * volume.pageSize(), bytes);
                pages(volume.name()).put(firstPage + i, bytes);
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<?> writeBuffered(Volume volume, long page, ByteBuffer data) {
        bufferedWrites.incrementAndGet();
        return write(volume, page, data);
    }

    @Override
    public CompletableFuture<?> sync(String volume) {
        syncs.incrementAndGet();
        return writeGate;
    }

    /** The stored bytes of a page, or null if it was never written. */
    byte[] stored(String volume, long page) {
        return pages(volume).get(page);
    }

    void store(String volume, long page, byte[] bytes) {
        pages(volume).put(page, bytes.clone());
    }

    private Map<Long, byte[]> pages(String volume) {
        return volumes.computeIfAbsent(volume, v -> new ConcurrentHashMap<>());
    }
}
