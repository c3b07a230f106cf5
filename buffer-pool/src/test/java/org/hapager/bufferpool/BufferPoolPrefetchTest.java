package org.hapager.bufferpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.hapager.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Explicit prefetch over in-memory page I/O (no read-ahead, no flusher: every read and write is the test's). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufferPoolPrefetchTest {

    static final int PAGE_SIZE = 512;
    final Volume v = Volume.of("bp/prefetch.dat", PAGE_SIZE);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MemoryPageIo io = new MemoryPageIo();

    private BufferPool pool(int frames) {
        for (int p = 0; p < 256; p++) {
            io.store(v.name(), p, content(p));
        }
        return new BufferPool(io, new BufferPoolConfig((long) frames * PAGE_SIZE, PAGE_SIZE, Duration.ofSeconds(10),
                registry).withReadAheadPages(0).withoutFlusher());
    }

    @Test
    void prefetchReadsEachPageOnceAndLaterFixesHit() throws Exception {
        BufferPool pool = pool(32);
        pool.prefetch(v, 0, 16).get(10, TimeUnit.SECONDS);
        assertEquals(16, io.reads());
        assertEquals(16.0, count("hapager.bufferpool.prefetch.reads"));
        assertEquals(16.0, gauge("hapager.bufferpool.prefetch.unused"));
        pool.prefetch(v, 8, 16).get(10, TimeUnit.SECONDS); // 8..15 are resident: only 16..23 are read
        assertEquals(24, io.reads());
        pool.assertInvariants();

        for (int p = 0; p < 24; p++) {
            try (PageHandle h = pool.fix(v, p, Mode.SHARED)) {
                assertEquals(ByteBuffer.wrap(content(p)), h.buffer().duplicate().clear(), "page " + p);
            }
        }
        try (PageHandle h = pool.fix(v, 0, Mode.SHARED)) { // a second fix is no prefetch hit
            assertEquals(0, h.page());
        }
        assertEquals(24, io.reads(), "no fix read again");
        assertEquals(25.0, count("hapager.bufferpool.hits"));
        assertEquals(0.0, count("hapager.bufferpool.misses"));
        assertEquals(24.0, count("hapager.bufferpool.prefetch.hits"));
        assertEquals(0.0, gauge("hapager.bufferpool.prefetch.unused"));
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void fixSharesAReadInFlightOfAPrefetch() throws Exception {
        BufferPool pool = pool(8);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        io.holdReadsUntil(gate);
        CompletableFuture<Void> prefetched = pool.prefetch(v, 5, 1);
        assertFalse(prefetched.isDone());
        assertEquals(FrameState.READING, pool.stateOf(v.name(), 5));
        ExecutorService threads = Executors.newSingleThreadExecutor();
        try {
            Future<PageHandle> fix = threads.submit(() -> pool.fix(v, 5, Mode.EXCLUSIVE));
            Await.until("the fixer waiting on the prefetch's read", () -> pool.waitingFixers() == 1);
            assertEquals(1, io.reads());
            pool.assertInvariants();
            gate.complete(null);
            try (PageHandle h = fix.get(10, TimeUnit.SECONDS)) {
                assertEquals(ByteBuffer.wrap(content(5)), h.buffer().duplicate().clear());
            }
        } finally {
            threads.shutdownNow();
        }
        prefetched.get(10, TimeUnit.SECONDS);
        assertEquals(1, io.reads());
        assertEquals(1.0, count("hapager.bufferpool.prefetch.hits"));
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void prefetchNeverWaitsForAFrame() throws Exception {
        BufferPool pool = pool(4);
        List<PageHandle> held = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            held.add(pool.fix(v, p, Mode.SHARED));
        }
        // one free frame: one page is read, then the prefetch stops without error
        CompletableFuture<Void> some = pool.prefetch(v, 100, 8);
        some.get(10, TimeUnit.SECONDS);
        assertEquals(4, io.reads());
        assertEquals(FrameState.CLEAN, pool.stateOf(v.name(), 100));
        assertNull(pool.stateOf(v.name(), 101));

        held.add(pool.fix(v, 3, Mode.SHARED)); // evicts the unused prefetched page 100: every frame is pinned now
        assertNull(pool.stateOf(v.name(), 100));
        long reads = io.reads();
        CompletableFuture<Void> none = pool.prefetch(v, 200, 8);
        assertTrue(none.isDone() && !none.isCompletedExceptionally(), "completes at once: " + none);
        assertEquals(reads, io.reads(), "nothing read");
        held.forEach(PageHandle::close);

        for (int p = 0; p < 4; p++) { // every frame dirty: a prefetch does not write them back to get one
            try (PageHandle h = pool.fix(v, p, Mode.EXCLUSIVE)) {
                h.markDirty();
            }
        }
        CompletableFuture<Void> dirtyPool = pool.prefetch(v, 200, 8);
        assertTrue(dirtyPool.isDone() && !dirtyPool.isCompletedExceptionally(), dirtyPool.toString());
        assertEquals(0, io.writes());
        assertEquals(reads, io.reads());
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void failedPrefetchReadLeavesNoFrameAndALaterFixRereads() throws Exception {
        BufferPool pool = pool(8);
        io.failReads(v.name(), 3);
        CompletableFuture<Void> prefetched = pool.prefetch(v, 2, 3);
        ExecutionException e = assertThrows(ExecutionException.class, () -> prefetched.get(10, TimeUnit.SECONDS));
        PageIoException failure = (PageIoException) e.getCause();
        assertEquals(PageIoException.Kind.STORAGE, failure.kind());
        assertTrue(failure.getMessage().contains("bp/prefetch.dat#3"), failure.getMessage());
        assertEquals(3, io.reads());
        assertNull(pool.stateOf(v.name(), 3), "no frame left for the failed page");
        assertEquals(FrameState.CLEAN, pool.stateOf(v.name(), 2));
        assertEquals(FrameState.CLEAN, pool.stateOf(v.name(), 4));
        assertEquals(6, pool.freeFrames());
        pool.assertInvariants();

        io.healReads();
        try (PageHandle h = pool.fix(v, 3, Mode.SHARED)) {
            assertEquals(ByteBuffer.wrap(content(3)), h.buffer().duplicate().clear());
        }
        assertEquals(4, io.reads(), "the fix read page 3 again");
        try (PageHandle h = pool.fix(v, 4, Mode.SHARED)) {
            assertEquals(ByteBuffer.wrap(content(4)), h.buffer().duplicate().clear());
        }
        assertEquals(4, io.reads());
        pool.assertInvariants();
        pool.close();
    }

    /**
     * Prefetched pages enter the policy with no access recorded, so misses take them (or each other: Caffeine
     * ranks its small admission window's pages cold too) rather than pages in use.
     */
    @Test
    void unusedPrefetchedPagesDoNotCrowdOutHotPages() throws Exception {
        BufferPool pool = pool(16);
        for (int round = 0; round < 5; round++) {
            for (int p = 0; p < 8; p++) {
                pool.fix(v, p, Mode.SHARED).close();
            }
        }
        pool.prefetch(v, 100, 8).get(10, TimeUnit.SECONDS); // fills the other 8 frames
        assertEquals(0, pool.freeFrames());
        for (int p = 200; p < 208; p++) { // 8 misses: each evicts one page
            pool.fix(v, p, Mode.SHARED).close();
        }
        for (int p = 0; p < 8; p++) {
            assertEquals(FrameState.CLEAN, pool.stateOf(v.name(), p), "hot page " + p + " was evicted");
        }
        int others = 0;
        for (int p : new int[] {100, 101, 102, 103, 104, 105, 106, 107, 200, 201, 202, 203, 204, 205, 206, 207}) {
            others += pool.stateOf(v.name(), p) != null ? 1 : 0;
        }
        assertEquals(8, others, "the misses took the frames of unused prefetched pages or of each other");
        assertEquals(8 + 8 + 8, io.reads(), "hot pages were read once");
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void prefetchOfAClosedPoolFailsAndBadArgumentsThrow() {
        BufferPool pool = pool(4);
        assertThrows(IllegalArgumentException.class, () -> pool.prefetch(v, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> pool.prefetch(v, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> pool.prefetch(Volume.of("bp/other.dat", 1024), 0, 1));
        pool.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> pool.prefetch(v, 0, 1).get(10, TimeUnit.SECONDS));
        assertEquals(PageIoException.Kind.REJECTED, ((PageIoException) e.getCause()).kind());
    }

    static byte[] content(long page) {
        byte[] b = new byte[PAGE_SIZE];
        Arrays.fill(b, (byte) (page * 13 + 5));
        b[0] = (byte) page;
        return b;
    }

    private double count(String name) {
        return registry.get(name).counter().count();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }
}
