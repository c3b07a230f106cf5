package org.hapager.bufferpool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The background flusher over in-memory page I/O: high water, age, pins, the in-flight bound, close. Each test
 * but the last steps a flusher without a thread ({@link BufferPool#stepFlusher()}) at the time of a fake
 * ticker, over I/O that completes on the caller's thread, so every round's writes are exact; the last shows the
 * real thread running and stopping.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufferPoolFlusherTest {

    static final int PAGE_SIZE = 512;
    static final Duration IDLE = Duration.ofSeconds(1);
    final Volume v = Volume.of("bp/flush.dat", PAGE_SIZE);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MemoryPageIo io = new MemoryPageIo();
    /** The fake ticker's time, in nanoseconds. */
    final AtomicLong now = new AtomicLong();

    private BufferPoolConfig config(int frames) {
        return new BufferPoolConfig((long) frames * PAGE_SIZE, PAGE_SIZE, Duration.ofSeconds(10), registry).withReadAheadPages(0);
    }

    /** 64 frames and a flusher the test steps, aging pages by {@link #now}. */
    private BufferPool steppedPool(double highWater, double lowWater, Duration maxAge, int maxInFlight) {
        BufferPool pool = new BufferPool(io, config(64).withFlusher(highWater, lowWater, maxAge, maxInFlight)
                .withFlushTicker(now::get).withSteppedFlusher());
        assertNull(pool.flusherThread());
        return pool;
    }

    private void advance(Duration by) {
        now.addAndGet(by.toNanos());
    }

    @Test
    void dirtyPagesAboveHighWaterAreWrittenWithoutSyncOrEviction() throws Exception {
        BufferPool pool = steppedPool(0.25, 0.125, Duration.ofHours(1), 4);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        io.holdWritesUntil(gate);
        for (int p = 0; p < 32; p++) {
            dirty(pool, p);
        }
        // 32 dirty > 16 (high water): the flusher starts writing, oldest first, at most 4 at a time; all 4 are held
        assertEquals(Duration.ZERO, pool.stepFlusher(), "it started writes: the thread would look again at once");
        assertEquals(pages(0, 4), io.written());
        assertEquals(4.0, gauge("hapager.bufferpool.writeback.queue"));
        assertEquals(28.0, gauge("hapager.bufferpool.dirty"));
        pool.assertInvariants();
        assertEquals(IDLE, pool.stepFlusher(), "no room: it waits for one of its writes to complete");
        assertEquals(4, io.writes(), "at most flushMaxInFlight write-backs of the flusher in flight");

        io.holdWritesUntil(CompletableFuture.completedFuture(null));
        gate.complete(null);
        for (int round = 1; round <= 5; round++) { // 4 writes a round, each completed before the next round
            assertEquals(Duration.ZERO, pool.stepFlusher(), "round " + round);
        }
        assertEquals(8.0, gauge("hapager.bufferpool.dirty"), "down to the low water");
        assertEquals(0.0, gauge("hapager.bufferpool.writeback.queue"));
        assertEquals(IDLE, pool.stepFlusher(), "at the low water, and no page an hour old: nothing due");
        pool.assertInvariants();
        assertEquals(24, io.writes());
        assertEquals(pages(0, 24), io.written());
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
        BufferPool pool = steppedPool(1.0, 0.5, Duration.ofMillis(50), 4);
        dirty(pool, 1);
        dirty(pool, 2);
        assertEquals(Duration.ofMillis(50), pool.stepFlusher(), "nothing due until the pages are 50 ms old");
        advance(Duration.ofMillis(49));
        assertEquals(Duration.ofMillis(1), pool.stepFlusher());
        assertEquals(0, io.writes());
        advance(Duration.ofMillis(1));
        assertEquals(Duration.ZERO, pool.stepFlusher());
        assertEquals(pages(1, 2), io.written());
        assertEquals(0.0, gauge("hapager.bufferpool.dirty"));
        assertEquals(0.0, gauge("hapager.bufferpool.writeback.queue"));
        assertEquals(2, io.writes());
        assertEquals(2.0, writeBacks("flusher"));

        dirty(pool, 1);
        assertEquals(Duration.ofMillis(50), pool.stepFlusher());
        advance(Duration.ofMillis(50));
        assertEquals(Duration.ZERO, pool.stepFlusher());
        assertEquals(3, io.writes());
        assertEquals(0.0, gauge("hapager.bufferpool.dirty"));
        assertArrayEquals(content(1), io.stored(v.name(), 1));
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void flusherNeverWritesAPinnedPage() throws Exception {
        BufferPool pool = steppedPool(1.0, 0.5, Duration.ofMillis(20), 4);
        PageHandle held = pool.fix(v, 5, Mode.EXCLUSIVE);
        held.buffer().put(0, content(5));
        held.markDirty();
        advance(Duration.ofMillis(10));
        dirty(pool, 6); // younger than page 5
        advance(Duration.ofMillis(10));
        assertEquals(Duration.ofMillis(10), pool.stepFlusher(), "page 5 is due but pinned; page 6 is due in 10 ms");
        assertEquals(List.of(), io.written());
        advance(Duration.ofMillis(10));
        assertEquals(Duration.ZERO, pool.stepFlusher());
        assertEquals(List.of(v.name() + "#6"), io.written(), "page 5 is older, but pinned");
        assertEquals(IDLE, pool.stepFlusher(), "page 5 still pinned: nothing to write until it is unpinned");
        assertEquals(FrameState.DIRTY, pool.stateOf(v.name(), 5));
        pool.assertInvariants();
        held.close();
        assertEquals(Duration.ZERO, pool.stepFlusher());
        assertEquals(List.of(v.name() + "#6", v.name() + "#5"), io.written(), "page 5 written once unpinned");
        assertEquals(0.0, gauge("hapager.bufferpool.dirty"));
        assertArrayEquals(content(5), io.stored(v.name(), 5));
        pool.assertInvariants();
        pool.close();
        assertThrows(IllegalStateException.class, pool::stepFlusher);
    }

    @Test
    void writeBacksAreCountedByCause() throws Exception {
        BufferPool pool = new BufferPool(io, config(2).withoutFlusher());
        assertNull(pool.flusherThread());
        assertThrows(IllegalStateException.class, pool::stepFlusher);
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
        assertThrows(IllegalStateException.class, pool::stepFlusher, "the thread runs the rounds");
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

    /** "volume#page" of {@code count} pages from {@code first}, as {@link MemoryPageIo#written()} lists them. */
    private List<String> pages(long first, int count) {
        return LongStream.range(first, first + count).mapToObj(p -> v.name() + "#" + p).toList();
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
