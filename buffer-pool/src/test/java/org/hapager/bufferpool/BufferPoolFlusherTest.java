package org.hapager.bufferpool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The background flusher over in-memory page I/O: high water, age, pins, the in-flight bound, close. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufferPoolFlusherTest {

    static final int PAGE_SIZE = 512;
    final Volume v = Volume.of("bp/flush.dat", PAGE_SIZE);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MemoryPageIo io = new MemoryPageIo();

    private BufferPoolConfig config(int frames) {
        return new BufferPoolConfig((long) frames * PAGE_SIZE, PAGE_SIZE, Duration.ofSeconds(10), registry).withReadAheadPages(0);
    }

    @Test
    void dirtyPagesAboveHighWaterAreWrittenWithoutSyncOrEviction() throws Exception {
        BufferPool pool = new BufferPool(io, config(64).withFlusher(0.25, 0.125, Duration.ofHours(1), 4));
        CompletableFuture<Void> gate = new CompletableFuture<>();
        io.holdWritesUntil(gate);
        for (int p = 0; p < 32; p++) {
            dirty(pool, p);
        }
        // 32 dirty > 16 (high water): the flusher starts writing, at most 4 at a time; all 4 are held
        Await.until("the flusher's first 4 writes", () -> io.writes() == 4, () -> "writes " + io.writes());
        assertEquals(4.0, gauge("hapager.bufferpool.writeback.queue"));
        pool.assertInvariants();
        assertEquals(4, io.writes(), "at most flushMaxInFlight write-backs of the flusher in flight");

        io.holdWritesUntil(CompletableFuture.completedFuture(null));
        gate.complete(null);
        Await.until("dirty pages down to the low water (8)",
                () -> gauge("hapager.bufferpool.dirty") <= 8 && gauge("hapager.bufferpool.writeback.queue") == 0,
                () -> "dirty " + gauge("hapager.bufferpool.dirty"));
        pool.assertInvariants();
        assertTrue(io.writes() >= 24, "writes " + io.writes());
        assertEquals(io.writes(), writeBacks("flusher"));
        assertEquals(0.0, writeBacks("eviction"));
        assertEquals(0.0, writeBacks("sync"));
        for (String key : io.written()) {
            long p = Long.parseLong(key.substring(key.indexOf('#') + 1));
            assertArrayEquals(content(p), io.stored(v.name(), p), key);
        }
        pool.close();
    }

    @Test
    void pagesDirtyLongerThanMaxAgeAreWritten() throws Exception {
        BufferPool pool = new BufferPool(io, config(64).withFlusher(1.0, 0.5, Duration.ofMillis(50), 4));
        dirty(pool, 1);
        dirty(pool, 2);
        Await.until("both pages written by age", () -> gauge("hapager.bufferpool.dirty") == 0
                && gauge("hapager.bufferpool.writeback.queue") == 0);
        assertEquals(2, io.writes());
        assertEquals(2.0, writeBacks("flusher"));
        dirty(pool, 1);
        Await.until("page 1 written again", () -> io.writes() == 3 && gauge("hapager.bufferpool.dirty") == 0);
        assertArrayEquals(content(1), io.stored(v.name(), 1));
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void flusherNeverWritesAPinnedPage() throws Exception {
        BufferPool pool = new BufferPool(io, config(64).withFlusher(1.0, 0.5, Duration.ofMillis(20), 4));
        PageHandle held = pool.fix(v, 5, Mode.EXCLUSIVE);
        held.buffer().put(0, content(5));
        held.markDirty();
        dirty(pool, 6); // younger than page 5
        Await.until("page 6 written by age", () -> io.written().contains(v.name() + "#6"));
        assertFalse(io.written().contains(v.name() + "#5"), "page 5 is older, but pinned: " + io.written());
        pool.assertInvariants();
        held.close();
        Await.until("page 5 written once unpinned", () -> io.written().contains(v.name() + "#5"));
        Await.until("nothing dirty", () -> gauge("hapager.bufferpool.dirty") == 0);
        assertArrayEquals(content(5), io.stored(v.name(), 5));
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void writeBacksAreCountedByCause() throws Exception {
        BufferPool pool = new BufferPool(io, config(2).withoutFlusher());
        assertNull(pool.flusherThread());
        dirty(pool, 0);
        dirty(pool, 1);
        try (PageHandle h = pool.fix(v, 2, Mode.SHARED)) { // takes a frame: writes back the dirty candidates first
            assertEquals(2, h.page());
        }
        assertEquals(2.0, writeBacks("eviction"));
        dirty(pool, 2);
        pool.sync(v.name());
        assertEquals(1.0, writeBacks("sync"));
        assertEquals(0.0, writeBacks("flusher"));
        assertEquals(3, io.writes());
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void closeStopsTheFlusherThreadAndRemovesTheGauges() throws Exception {
        BufferPool pool = new BufferPool(io, config(16));
        Thread flusher = pool.flusherThread();
        assertTrue(flusher.isAlive() && flusher.isDaemon(), flusher.toString());
        assertEquals("hapager-bufferpool-flusher", flusher.getName());
        dirty(pool, 3);
        pool.sync(v.name());
        pool.close();
        flusher.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(flusher.isAlive(), "flusher still running after close");
        List<String> after = new ArrayList<>(io.written());
        assertEquals(List.of(v.name() + "#3"), after);

        try (BufferPool next = new BufferPool(io, config(8))) { // on the same registry: the gauges are its own
            assertEquals(8.0, gauge("hapager.bufferpool.frames"));
            assertEquals(next.frameCount(), (int) gauge("hapager.bufferpool.frames"));
        }
    }

    private void dirty(BufferPool pool, long page) throws PageIoException {
        try (PageHandle h = pool.fix(v, page, Mode.EXCLUSIVE)) {
            h.buffer().put(0, content(page));
            h.markDirty();
        }
    }

    static byte[] content(long page) {
        byte[] b = new byte[PAGE_SIZE];
        Arrays.fill(b, (byte) (page * 7 + 1));
        return b;
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private double writeBacks(String cause) {
        return registry.get("hapager.bufferpool.writebacks").tag("cause", cause).counter().count();
    }
}
