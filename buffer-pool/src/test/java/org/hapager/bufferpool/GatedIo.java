package org.hapager.bufferpool;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.hapager.pager.Volume;

/** Page I/O that counts calls and holds each read or write (and sync) until its gate opens (tests force races with it). */
final class GatedIo implements PageIo {

    private final PageIo real;
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger writes = new AtomicInteger();
    volatile CompletableFuture<Void> readGate = CompletableFuture.completedFuture(null);
    volatile CompletableFuture<Void> writeGate = CompletableFuture.completedFuture(null);

    GatedIo(PageIo real) {
        this.real = real;
    }

    @Override
    public CompletableFuture<?> read(Volume volume, long page, ByteBuffer into) {
        reads.incrementAndGet();
        return readGate.thenCompose(x -> real.read(volume, page, into));
    }

    @Override
    public CompletableFuture<?> write(Volume volume, long firstPage, ByteBuffer data) {
        writes.incrementAndGet();
        return writeGate.thenCompose(x -> real.write(volume, firstPage, data));
    }

    @Override
    public CompletableFuture<?> writeBuffered(Volume volume, long page, ByteBuffer data) {
        writes.incrementAndGet();
        return writeGate.thenCompose(x -> real.writeBuffered(volume, page, data));
    }

    @Override
    public CompletableFuture<?> sync(String volume) {
        return writeGate.thenCompose(x -> real.sync(volume));
    }

    @Override
    public int maxWriteBytes() {
        return real.maxWriteBytes();
    }

}
