package org.hapager.bufferpool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.hapager.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** discard over in-memory page I/O (no flusher, no read-ahead: every write is the test's doing). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufferPoolDiscardTest {

    static final int PAGE_SIZE = 512;
    final Volume v = Volume.of("bp/truncated.dat", PAGE_SIZE);
    final Volume other = Volume.of("bp/kept.dat", PAGE_SIZE);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MemoryPageIo io = new MemoryPageIo();
    final ExecutorService threads = Executors.newCachedThreadPool();

    private BufferPool pool(int frames, Duration fixTimeout) {
        return new BufferPool(io, new BufferPoolConfig((long) frames * PAGE_SIZE, PAGE_SIZE, fixTimeout, registry)
                .withReadAheadPages(0).withoutFlusher());
    }

    @org.junit.jupiter.api.AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void dirtyPagesAreDroppedAndNeverWritten() throws Exception {
        BufferPool pool = pool(32, Duration.ofSeconds(10));
        for (int p = 0; p < 10; p++) {
            dirty(pool, v, p);
        }
        dirty(pool, other, 7);
        pool.discard(v.name(), 5);
        pool.assertInvariants();
        assertEquals(0, io.writes());
        for (int p = 0; p < 10; p++) {
            assertEquals(p < 5 ? FrameState.DIRTY : null, pool.stateOf(v.name(), p), "page " + p);
        }
        assertEquals(FrameState.DIRTY, pool.stateOf(other.name(), 7), "another volume's page stays");
        assertEquals(6.0, registry.get("hapager.bufferpool.dirty").gauge().value());
        assertEquals(32 - 6, pool.freeFrames(), "the discarded frames are free again");

        pool.sync(v.name());
        pool.sync(other.name());
        assertEquals(List.of(v.name() + "#0", v.name() + "#1", v.name() + "#2", v.name() + "#3", v.name() + "#4",
                other.name() + "#7"), io.written(), "only pages 0..4 of the volume and the other volume's page");
        assertEquals(2, io.writes(), "pages 0..4 in one durable write: " + io.written());
        for (int p = 5; p < 10; p++) {
            assertNull(io.stored(v.name(), p), "discarded page " + p + " was written");
        }
        try (PageHandle h = pool.fix(v, 7, Mode.SHARED)) { // read again: what the volume holds (never written: zeros)
            assertEquals(ByteBuffer.allocate(PAGE_SIZE), h.buffer().duplicate().clear());
        }
        pool.discard(v.name(), 0);
        pool.discard(v.name(), 0); // nothing left: nothing to do
        assertNull(pool.stateOf(v.name(), 0));
        assertEquals(FrameState.CLEAN, pool.stateOf(other.name(), 7));
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void discardWaitsForAWriteInFlight() throws Exception {
        BufferPool pool = pool(8, Duration.ofSeconds(20));
        dirty(pool, v, 3);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        io.holdWritesUntil(gate);
        Future<?> sync = threads.submit(() -> {
            pool.sync(v.name());
            return null;
        });
        Await.until("the sync's write-back in flight", () -> io.writes() == 1);
        assertEquals(FrameState.WRITING, pool.stateOf(v.name(), 3));
        Future<?> discard = threads.submit(() -> {
            pool.discard(v.name(), 0);
            return null;
        });
        Await.until("discard waiting for the write", () -> pool.waitingFixers() == 1, () -> "waiting " + pool.waitingFixers());
        assertFalse(discard.isDone());
        assertEquals(FrameState.WRITING, pool.stateOf(v.name(), 3), "a frame in write-back is not discarded");
        pool.assertInvariants();

        gate.complete(null);
        discard.get(10, TimeUnit.SECONDS);
        sync.get(10, TimeUnit.SECONDS);
        assertNull(pool.stateOf(v.name(), 3));
        assertArrayEquals(content(3), io.stored(v.name(), 3), "the write that was in flight completed before discard returned");
        assertEquals(1, io.writes());
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void discardWaitsForAReadInFlight() throws Exception {
        BufferPool pool = pool(8, Duration.ofSeconds(20));
        CompletableFuture<Void> gate = new CompletableFuture<>();
        io.holdReadsUntil(gate);
        CompletableFuture<Void> prefetched = pool.prefetch(v, 0, 4);
        assertEquals(4, io.reads());
        Future<?> discard = threads.submit(() -> {
            pool.discard(v.name(), 2);
            return null;
        });
        Await.until("discard waiting for the reads", () -> pool.waitingFixers() == 1);
        assertFalse(discard.isDone());
        gate.complete(null);
        discard.get(10, TimeUnit.SECONDS);
        prefetched.get(10, TimeUnit.SECONDS);
        assertEquals(FrameState.CLEAN, pool.stateOf(v.name(), 1));
        assertNull(pool.stateOf(v.name(), 2));
        assertNull(pool.stateOf(v.name(), 3));
        assertEquals(2.0, registry.get("hapager.bufferpool.prefetch.unused").gauge().value(), "pages 0 and 1 stay");
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void discardOfAFixedPageThrowsAndChangesNothing() throws Exception {
        BufferPool pool = pool(8, Duration.ofSeconds(10));
        dirty(pool, v, 1);
        dirty(pool, v, 9);
        PageHandle held = pool.fix(v, 7, Mode.SHARED);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.discard(v.name(), 0));
        assertTrue(e.getMessage().contains("bp/truncated.dat#7"), e.getMessage());
        for (int p : List.of(1, 9)) {
            assertEquals(FrameState.DIRTY, pool.stateOf(v.name(), p), "page " + p);
        }
        pool.discard(v.name(), 8); // above the fixed page: fine
        assertNull(pool.stateOf(v.name(), 9));
        pool.assertInvariants();
        held.close();
        pool.discard(v.name(), 0);
        assertEquals(8, pool.freeFrames());
        assertEquals(0, io.writes());
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void discardTimesOutOnAWriteThatDoesNotFinish() throws Exception {
        BufferPool pool = pool(4, Duration.ofMillis(200));
        dirty(pool, v, 0);
        io.holdWritesUntil(new CompletableFuture<>()); // never opens
        threads.submit(() -> {
            pool.sync(v.name());
            return null;
        });
        Await.until("the write-back in flight", () -> io.writes() == 1);
        FixTimeoutException e = assertThrows(FixTimeoutException.class, () -> pool.discard(v.name(), 0));
        assertTrue(e.getMessage().contains("discard of bp/truncated.dat from page 0") && e.getMessage().contains("WRITING"),
                e.getMessage());
        assertEquals(FrameState.WRITING, pool.stateOf(v.name(), 0));
        pool.assertInvariants();
        pool.close();
        assertThrows(PageIoException.class, () -> pool.discard(v.name(), 0));
    }

    private static void dirty(BufferPool pool, Volume volume, long page) throws PageIoException {
        try (PageHandle h = pool.fix(volume, page, Mode.EXCLUSIVE)) {
            h.buffer().put(0, content(page));
            h.markDirty();
        }
    }

    static byte[] content(long page) {
        byte[] b = new byte[PAGE_SIZE];
        Arrays.fill(b, (byte) (page * 3 + 11));
        return b;
    }
}
