package org.hapager.bufferpool;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;

/**
 * A {@link PageIo} held in memory: for tests, benchmarks and simulations; not durable. Pages live in a map
 * for as long as this object does, so a buffered write is stored like a durable one and a {@link #sync} has
 * nothing to make durable. A page never written reads as zeros, like a hole on a page server (or, made by
 * {@link #stampingPageNumbers()}, as its page number).
 *
 * <p>Each I/O completes on the caller's thread, or on the executor given to the constructor (as the pager
 * completes on its I/O thread). For tests it counts the calls, records the pages written, fails the reads or
 * writes it is told to with {@link PageIoException.Kind#STORAGE}, and holds reads, or writes and syncs, until
 * a gate opens: a held I/O then completes on the thread that opens the gate, or on the executor.
 *
 * <p>Thread-safe: any thread may issue I/O, inspect the store and set failures and gates at any time.
 */
public final class MemoryPageIo implements PageIo {

    private static final CompletableFuture<Void> OPEN = CompletableFuture.completedFuture(null);

    private final Executor completer;
    private final boolean stampsPageNumbers;
    private final Map<PageId, byte[]> pages = new ConcurrentHashMap<>();
    /** Guarded by itself. */
    private final List<PageId> written = new ArrayList<>();
    private final Set<PageId> failingReads = ConcurrentHashMap.newKeySet();
    private volatile boolean failWrites;
    private volatile CompletableFuture<?> readGate = OPEN;
    private volatile CompletableFuture<?> writeGate = OPEN;
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong syncs = new AtomicLong();

    /** Completes each I/O on the caller's thread (or on the thread that opens the gate holding it). */
    public MemoryPageIo() {
        this(Runnable::run, false);
    }

    /** Completes each I/O on {@code completer}; with one thread, in the order issued. */
    public MemoryPageIo(Executor completer) {
        this(completer, false);
    }

    private MemoryPageIo(Executor completer, boolean stampsPageNumbers) {
        this.completer = completer;
        this.stampsPageNumbers = stampsPageNumbers;
    }

    /**
     * Completes on the caller's thread, and a page never written reads as its page number in the first 8 bytes
     * of the buffer, the rest left as it was: a benchmark checks that the pool served the page it asked for,
     * and a miss costs no zeroing of the frame.
     */
    public static MemoryPageIo stampingPageNumbers() {
        return new MemoryPageIo(Runnable::run, true);
    }

    @Override
    public CompletableFuture<?> read(Volume volume, long page, ByteBuffer into) {
        reads.incrementAndGet();
        PageId id = new PageId(volume.name(), page);
        return readGate.thenRunAsync(() -> {
            if (failingReads.contains(id)) {
                throw injectedFailure("read", id);
            }
            byte[] bytes = pages.get(id);
            if (bytes != null) {
                into.put(0, bytes);
            } else if (stampsPageNumbers) {
                into.putLong(0, page);
            } else {
                into.put(0, new byte[volume.pageSize()]);
            }
        }, completer);
    }

    @Override
    public CompletableFuture<?> write(Volume volume, long firstPage, ByteBuffer data) {
        int pageSize = volume.pageSize();
        int bytes = data.remaining();
        if (bytes == 0 || bytes % pageSize != 0 || bytes > maxWriteBytes()) {
            throw new IllegalArgumentException("write of " + bytes + " bytes to " + volume + ": not whole pages of "
                    + pageSize + " bytes up to " + maxWriteBytes());
        }
        writes.incrementAndGet();
        List<PageId> ids = new ArrayList<>();
        for (long page = firstPage; page < firstPage + bytes / pageSize; page++) {
            ids.add(new PageId(volume.name(), page));
        }
        synchronized (written) {
            written.addAll(ids);
        }
        int from = data.position();
        return writeGate.thenRunAsync(() -> {
            if (failWrites) {
                throw injectedFailure("write", ids.get(0));
            }
            for (int i = 0; i < ids.size(); i++) {
                byte[] page = new byte[pageSize];
                data.get(from + i * pageSize, page);
                pages.put(ids.get(i), page);
            }
        }, completer);
    }

    /** Stored like a durable write. */
    @Override
    public CompletableFuture<?> writeBuffered(Volume volume, long page, ByteBuffer data) {
        if (data.remaining() != volume.pageSize()) {
            throw new IllegalArgumentException("buffered write of " + data.remaining() + " bytes to " + volume
                    + ": not one page");
        }
        return write(volume, page, data);
    }

    /** Completes once the write gate is open: everything stored already is as durable as it gets. */
    @Override
    public CompletableFuture<?> sync(String volume) {
        syncs.incrementAndGet();
        return writeGate.thenRunAsync(() -> { }, completer);
    }

    /** Reads issued so far. */
    public long reads() {
        return reads.get();
    }

    /** Writes issued so far, durable and buffered (a durable write of several pages counts once). */
    public long writes() {
        return writes.get();
    }

    /** Syncs issued so far. */
    public long syncs() {
        return syncs.get();
    }

    /** Every page written so far as "volume#page", in the order the writes were issued. */
    public List<String> written() {
        synchronized (written) {
            return written.stream().map(PageId::toString).toList();
        }
    }

    /** A copy of the stored bytes of a page, or null if it was never written. */
    public byte[] stored(String volume, long page) {
        byte[] bytes = pages.get(new PageId(volume, page));
        return bytes == null ? null : bytes.clone();
    }

    /** Stores a copy of {@code bytes} as the page, as if written. */
    public void store(String volume, long page, byte[] bytes) {
        pages.put(new PageId(volume, page), bytes.clone());
    }

    /** Fails every later read of the page until {@link #healReads()}. */
    public void failReads(String volume, long page) {
        failingReads.add(new PageId(volume, page));
    }

    /** Reads of every page succeed again. */
    public void healReads() {
        failingReads.clear();
    }

    /** While {@code fail}, every write, durable or buffered, fails; a sync does not. */
    public void failWrites(boolean fail) {
        failWrites = fail;
    }

    /** Holds every read issued from now on until {@code gate} completes. */
    public void holdReadsUntil(CompletableFuture<?> gate) {
        readGate = gate;
    }

    /** Holds every write and sync issued from now on until {@code gate} completes. */
    public void holdWritesUntil(CompletableFuture<?> gate) {
        writeGate = gate;
    }

    private static CompletionException injectedFailure(String operation, PageId id) {
        return new CompletionException(new PageIoException(PageIoException.Kind.STORAGE,
                "injected failure: " + operation + " of " + id));
    }
}
