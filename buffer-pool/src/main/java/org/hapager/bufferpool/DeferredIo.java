package org.hapager.bufferpool;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The page I/O one operation of the pool decided on under the frame table's lock, to be submitted after it
 * lets the lock go: a submit may block for room in the pager, and the pool never holds its lock across one
 * (see "Concurrency" in {@link BufferPool}). Each operation that may start I/O (a fix, a prefetch, a sync, a
 * flusher round) creates an empty batch where its locked section starts and hands it to the parts that decide
 * on I/O ({@link Loads}, {@link WriteBack}, through {@link Victims} and the {@link Flusher}); each records the
 * frame's transition (FREE → READING, DIRTY → WRITING) under the lock and {@linkplain #defer defers} the I/O
 * that completes it, saying which {@link Kind} it is.
 *
 * <p>The rule: entries are added only under the frame table's lock, issued only after it is released, and
 * each exactly once. {@link #defer} and {@link #issue} check the first two (throwing {@link AssertionError});
 * {@link #issue} takes the entries out of the batch before it submits the first, so none runs twice, and the
 * owner issues its batch as it leaves its locked section (a fix and a sync in a {@code finally}), or through
 * {@link FrameTable#runUnlocked} when it would wait or loops, so none is forgotten: until its I/O completes,
 * an entry's frame is pinned by that I/O (invariant 2). Only a broken invariant (an {@link Error} thrown under
 * the lock) leaves a prefetch's or a flusher round's entries unissued.
 *
 * <p>A batch belongs to the thread of the operation that created it; it is not thread-safe. It allocates its
 * array of entries only when the first is deferred: a fix that hits costs the batch object only.
 */
final class DeferredIo {

    /** What an entry reads or writes, and for whom. */
    enum Kind {
        /** The read of a page a fix missed ({@code Loads.startRead}). */
        READ,
        /** The read of a page a prefetch or read-ahead maps ({@code Loads.prefetch}). */
        PREFETCH,
        /** A buffered write-back of one page, by eviction or the flusher ({@code WriteBack.start}). */
        WRITE_BACK,
        /** A durable write of a run of contiguous pages, by a sync ({@code WriteBack.startRun}). */
        SYNC_RUN
    }

    /** One deferred I/O: what it is, how to submit it, and what to run when it completes. */
    private record Entry(Kind kind, Supplier<CompletableFuture<?>> io, Consumer<Throwable> completion) {}

    /** First capacity: a miss's read, a few eviction write-backs or a read-ahead window's reads. */
    private static final int FIRST_CAPACITY = 4;

    private final ReentrantLock lock;
    /** Null until the first entry. */
    private Entry[] entries;
    private int size;

    /** An empty batch for I/O decided under {@code lock}, the frame table's. */
    DeferredIo(ReentrantLock lock) {
        this.lock = lock;
    }

    /**
     * Defers one I/O of kind {@code kind} (the lock held): {@link #issue} submits it by calling {@code io},
     * unlocked, and runs {@code completion} when it completes, with the failure or null (see
     * {@link FrameTable#submit}).
     */
    void defer(Kind kind, Supplier<CompletableFuture<?>> io, Consumer<Throwable> completion) {
        if (!lock.isHeldByCurrentThread()) {
            throw new AssertionError(kind + " I/O deferred without the frame table's lock");
        }
        if (entries == null) {
            entries = new Entry[FIRST_CAPACITY];
        } else if (size == entries.length) {
            entries = Arrays.copyOf(entries, size * 2);
        }
        entries[size++] = new Entry(Objects.requireNonNull(kind), Objects.requireNonNull(io),
                Objects.requireNonNull(completion));
    }

    boolean isEmpty() {
        return size == 0;
    }

    /**
     * Submits the deferred I/O in the order it was deferred (the lock not held) and leaves the batch empty,
     * for more. A submit that throws a {@link RuntimeException} is a failed I/O (its completion runs with it,
     * {@link FrameTable#submit}) and the next entry is submitted all the same; an {@link Error} thrown by a
     * submit ends the issue there: it propagates, and the entries after it are dropped, never submitted.
     */
    void issue() {
        if (lock.isHeldByCurrentThread()) {
            throw new AssertionError("deferred I/O issued under the frame table's lock: " + this);
        }
        Entry[] batch = entries;
        int n = size;
        entries = null;
        size = 0;
        for (int i = 0; i < n; i++) {
            FrameTable.submit(batch[i].io(), batch[i].completion());
        }
    }

    /** The kinds of the entries not yet issued, in order. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("DeferredIo[");
        for (int i = 0; i < size; i++) {
            s.append(i == 0 ? "" : ", ").append(entries[i].kind());
        }
        return s.append(']').toString();
    }
}
