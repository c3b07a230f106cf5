package org.hapager.bufferpool.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.BufferPoolConfig;
import org.hapager.bufferpool.MemoryPageIo;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link PagedMemory} over a pool of {@value #FRAMES} frames of {@value #PAGE} bytes on an in-memory page
 * store (completed on its own I/O thread, as the pager completes on its): zeros, single values, bulk
 * transfers across pages, bounds and alignment, eviction and write-back, failures, sync and close, threads.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PagedMemoryTest {

    static final int PAGE = 512;
    static final int FRAMES = 4;

    final ExecutorService ioThread = Executors.newSingleThreadExecutor();
    MemoryPageIo io;
    SimpleMeterRegistry registry;
    BufferPool pool;

    @BeforeEach
    void setUp() {
        io = new MemoryPageIo(ioThread);
        registry = new SimpleMeterRegistry();
        // no background flusher: these tests count on write-backs happening only by eviction and sync
        pool = new BufferPool(io, new BufferPoolConfig((long) FRAMES * PAGE, PAGE, Duration.ofSeconds(20), registry)
                .withoutFlusher());
    }

    @AfterEach
    void tearDown() {
        pool.assertInvariants();
        assertEquals(0.0, registry.get("hapager.bufferpool.pinned").gauge().value(), "no pin outlives an access");
        pool.close();
        ioThread.shutdownNow();
    }

    @Test
    void untouchedPagesReadAsZeros() {
        PagedMemory mem = new PagedMemory(pool, "mem/zeros", 64L * PAGE + 100); // a partial last page
        assertEquals(64L * PAGE + 100, mem.size());
        assertEquals(65, mem.pages());
        assertEquals(0, mem.getLong(0));
        assertEquals(0, mem.getLong(31L * PAGE + 64));
        assertEquals(0, mem.getLong(mem.size() - 12)); // the last whole aligned long
        assertEquals(0, mem.getByte(mem.size() - 1));
        byte[] all = new byte[(int) mem.size()];
        all[7] = 1;
        mem.get(0, all);
        assertArrayEquals(new byte[(int) mem.size()], all);
        mem.sync();
        assertEquals(0, io.writes(), "reading writes nothing back");
    }

    @Test
    void longsAndBytesSurviveEvictionThroughATinyPool() {
        int pages = 16 * FRAMES;
        PagedMemory mem = new PagedMemory(pool, "mem/evict", (long) pages * PAGE);
        for (long off = 0; off < mem.size(); off += Long.BYTES) {
            mem.putLong(off, value(off));
        }
        for (long off = 3; off < mem.size(); off += 61) {
            mem.putByte(off, (byte) off);
        }
        double evictions = registry.get("hapager.bufferpool.evictions").counter().count();
        assertTrue(evictions >= pages - FRAMES, "evictions " + evictions);
        assertTrue(io.writes() >= pages - FRAMES, "write-backs " + io.writes());
        for (long off = mem.size() - Long.BYTES; off >= 0; off -= Long.BYTES) { // backwards: every page faults again
            assertEquals(expected(off), mem.getLong(off), "long at " + off);
        }
        for (long off = 0; off < mem.size(); off++) {
            assertEquals((byte) (expected(off & ~7L) >>> (8 * (7 - (off & 7)))), mem.getByte(off), "byte at " + off);
        }

        mem.sync();
        assertEquals(0.0, registry.get("hapager.bufferpool.dirty").gauge().value());
        // durable in the store: a second pool over the same store reads the same bytes
        try (BufferPool other = new BufferPool(io, new BufferPoolConfig(PAGE, PAGE, Duration.ofSeconds(20), new SimpleMeterRegistry()))) {
            PagedMemory again = new PagedMemory(other, "mem/evict", mem.size());
            for (long off = 0; off < mem.size(); off += Long.BYTES) {
                assertEquals(expected(off), again.getLong(off), "stored long at " + off);
            }
        }
    }

    /** The long at {@code off} after the putLong pass and the putByte pass of the test above. */
    private static long expected(long off) {
        long v = value(off);
        for (int i = 0; i < Long.BYTES; i++) {
            long b = off + i;
            if (b >= 3 && (b - 3) % 61 == 0) {
                int shift = 8 * (7 - i);
                v = (v & ~(0xFFL << shift)) | ((b & 0xFF) << shift);
            }
        }
        return v;
    }

    @Test
    void bulkTransfersCrossPageBoundaries() {
        PagedMemory mem = new PagedMemory(pool, "mem/bulk", 8L * PAGE);
        byte[] background = new byte[(int) mem.size()];
        new Random(1).nextBytes(background);
        mem.put(0, background); // every page, through a pool of half as many frames

        byte[] src = new byte[2 * PAGE + 20];
        new Random(2).nextBytes(src);
        long at = PAGE - 3; // 3 bytes of page 0, all of pages 1 and 2, 7 bytes of page 3
        mem.put(at, src, 5, 2 * PAGE + 10);
        byte[] model = background.clone();
        System.arraycopy(src, 5, model, (int) at, 2 * PAGE + 10);

        byte[] back = new byte[(int) mem.size()];
        mem.get(0, back);
        assertArrayEquals(model, back);

        byte[] into = new byte[PAGE * 3];
        mem.get(at - 1, into, 2, 2 * PAGE + 12); // one byte before, one after
        assertArrayEquals(java.util.Arrays.copyOfRange(model, (int) at - 1, (int) at + 2 * PAGE + 11),
                java.util.Arrays.copyOfRange(into, 2, 2 * PAGE + 14));
        assertEquals(0, into[0]);
        assertEquals(0, into[2 * PAGE + 14]);

        for (ByteBuffer dst : new ByteBuffer[] {ByteBuffer.allocate(4 * PAGE), ByteBuffer.allocateDirect(4 * PAGE)}) {
            dst.position(7).limit(7 + 3 * PAGE + 1);
            mem.get(2L * PAGE - 100, dst);
            assertEquals(7 + 3 * PAGE + 1, dst.position(), "position advanced by the bytes read");
            for (int i = 0; i < 3 * PAGE + 1; i++) {
                assertEquals(model[2 * PAGE - 100 + i], dst.get(7 + i), "byte " + i + " of " + dst);
            }
        }

        ByteBuffer bsrc = ByteBuffer.allocateDirect(PAGE * 2);
        for (int i = 0; i < bsrc.capacity(); i++) {
            bsrc.put(i, (byte) (i * 31));
        }
        bsrc.position(10).limit(10 + PAGE + 50);
        mem.put(5L * PAGE + 480, bsrc); // 32 bytes of page 5, all of page 6, 18 bytes of page 7
        assertEquals(10 + PAGE + 50, bsrc.position(), "position advanced by the bytes written");
        for (int i = 0; i < PAGE + 50; i++) {
            model[5 * PAGE + 480 + i] = (byte) ((10 + i) * 31);
        }
        mem.get(0, back);
        assertArrayEquals(model, back);

        mem.get(mem.size(), new byte[0]); // empty transfers at the end are in bounds
        mem.put(mem.size(), ByteBuffer.allocate(0));
    }

    @Test
    void boundsAndAlignmentAreCheckedWithClearMessages() {
        PagedMemory mem = new PagedMemory(pool, "mem/bounds", 4100);

        assertMessage(assertThrows(IllegalArgumentException.class, () -> mem.getLong(3)),
                "getLong at offset 3", "not 8-byte aligned", "size 4100", "mem/bounds");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> mem.putLong(4092, 1)),
                "putLong at offset 4092", "not 8-byte aligned", "size 4100");
        assertMessage(assertThrows(IndexOutOfBoundsException.class, () -> mem.putLong(4096, 1)),
                "putLong of 8 bytes at offset 4096", "out of bounds", "size 4100");
        assertMessage(assertThrows(IndexOutOfBoundsException.class, () -> mem.getLong(-8)),
                "getLong of 8 bytes at offset -8", "size 4100");
        assertMessage(assertThrows(IndexOutOfBoundsException.class, () -> mem.getLong(Long.MAX_VALUE & ~7L)),
                "offset " + (Long.MAX_VALUE & ~7L), "size 4100");
        assertMessage(assertThrows(IndexOutOfBoundsException.class, () -> mem.getByte(4100)),
                "getByte of 1 byte at offset 4100", "size 4100");
        assertMessage(assertThrows(IndexOutOfBoundsException.class, () -> mem.putByte(-1, (byte) 1)),
                "putByte of 1 byte at offset -1");
        assertMessage(assertThrows(IndexOutOfBoundsException.class, () -> mem.put(4090, new byte[11])),
                "put of 11 bytes at offset 4090", "size 4100");
        assertMessage(assertThrows(IndexOutOfBoundsException.class, () -> mem.get(4091, ByteBuffer.allocate(10))),
                "get of 10 bytes at offset 4091", "size 4100");
        assertMessage(assertThrows(IndexOutOfBoundsException.class, () -> mem.get(4101, new byte[0])),
                "get of 0 bytes at offset 4101");
        assertThrows(IndexOutOfBoundsException.class, () -> mem.put(0, new byte[5], 2, 10)); // the array's own bounds
        assertThrows(IndexOutOfBoundsException.class, () -> mem.get(0, new byte[5], -1, 2));
        assertThrows(ReadOnlyBufferException.class, () -> mem.get(0, ByteBuffer.allocate(8).asReadOnlyBuffer()));

        assertEquals(0, io.reads(), "a refused access touches no page");
        assertEquals(0.0, registry.get("hapager.bufferpool.dirty").gauge().value());
        mem.putLong(4088, -1); // the last whole long
        assertEquals(-1, mem.getLong(4088));
        assertEquals(0, mem.getByte(4099));

        assertMessage(assertThrows(IllegalArgumentException.class, () -> new PagedMemory(pool, "mem/neg", -1)),
                "sizeBytes : -1");
        assertThrows(IllegalArgumentException.class, () -> new PagedMemory(pool, "../escape", PAGE));
        assertEquals(Long.MAX_VALUE / PAGE, new PagedMemory(pool, "mem/huge", (Long.MAX_VALUE / PAGE) * PAGE).pages());
        assertThrows(IllegalArgumentException.class, () -> new PagedMemory(pool, "mem/huge", Long.MAX_VALUE));
    }

    private static void assertMessage(Throwable e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "\"" + part + "\" in: " + e.getMessage());
        }
    }

    @Test
    void aFailedPageReadSurfacesAsPagedMemoryExceptionNamingOffsetAndPage() {
        PagedMemory mem = new PagedMemory(pool, "mem/fail", 8L * PAGE);
        io.failReads(mem.volume().name(), 3);

        PagedMemoryException e = assertThrows(PagedMemoryException.class, () -> mem.getLong(3L * PAGE + 8));
        assertMessage(e, "getLong at offset 1544", "page 3 of mem/fail@512", "injected failure");
        assertEquals(PageIoException.Kind.STORAGE, e.kind());
        assertInstanceOf(PageIoException.class, e.getCause());
        assertMessage(assertThrows(PagedMemoryException.class, () -> mem.putByte(3L * PAGE, (byte) 1)),
                "putByte at offset 1536", "page 3");

        ByteBuffer dst = ByteBuffer.allocate(2 * PAGE);
        assertMessage(assertThrows(PagedMemoryException.class, () -> mem.get(3L * PAGE - 10, dst)), "get at offset 1536");
        assertEquals(10, dst.position(), "the piece of page 2 before the failing page was copied");

        io.healReads();
        mem.putLong(3L * PAGE + 8, 99);
        assertEquals(99, mem.getLong(3L * PAGE + 8));
    }

    @Test
    void syncMakesEarlierWritesDurableAndCloseSyncs() {
        Volume v = Volume.of("mem/sync", PAGE);
        PagedMemory mem = new PagedMemory(pool, v.name(), 3L * PAGE); // fits the pool: nothing is evicted
        mem.putLong(8, 0x0102030405060708L);
        mem.put(PAGE - 2, new byte[] {9, 9, 9, 9});
        mem.putByte(2L * PAGE + 1, (byte) 5);
        assertNull(io.stored(v.name(), 0), "not written back before sync");

        mem.sync();
        assertEquals(0.0, registry.get("hapager.bufferpool.dirty").gauge().value());
        assertEquals(1, io.writes(), "sync wrote the three contiguous dirty pages back in one durable write");
        assertEquals(0, io.syncs(), "no buffered write-back before it: no separate sync");
        assertEquals(0x0102030405060708L, ByteBuffer.wrap(io.stored(v.name(), 0)).getLong(8), "stored big-endian");
        assertEquals(9, io.stored(v.name(), 0)[PAGE - 1]);
        assertEquals(9, io.stored(v.name(), 1)[1]);
        assertEquals(5, io.stored(v.name(), 2)[1]);

        mem.putLong(16, 7);
        io.failWrites(true);
        PagedMemoryException e = assertThrows(PagedMemoryException.class, mem::close);
        assertMessage(e, "sync of PagedMemory(mem/sync", "injected failure");
        assertEquals(7, mem.getLong(16), "a failed close leaves the memory open");
        io.failWrites(false);
        mem.close();
        assertEquals(7, ByteBuffer.wrap(io.stored(v.name(), 0)).getLong(16));
        assertMessage(assertThrows(IllegalStateException.class, () -> mem.getLong(0)), "is closed");
        assertThrows(IllegalStateException.class, mem::sync);
        mem.close(); // a second close does nothing
    }

    @Test
    void twoMemoriesShareOnePool() {
        PagedMemory a = new PagedMemory(pool, "mem/a", 8L * PAGE);
        PagedMemory b = new PagedMemory(pool, "mem/b", 8L * PAGE);
        for (long off = 0; off < a.size(); off += 64) {
            a.putLong(off, off);
            b.putLong(off, -off);
        }
        for (long off = 0; off < a.size(); off += 64) {
            assertEquals(off, a.getLong(off));
            assertEquals(-off, b.getLong(off));
        }
    }

    /**
     * Threads write interleaved longs of the same few pages (writer {@code t} owns the longs {@code i % W == t})
     * in rounds, while readers check that every long they see is whole and no older than the round its
     * writer had finished, and one thread syncs: through {@value #FRAMES} frames for 16 pages, so pages are
     * evicted and read back between writes. At the end every long holds its writer's last round.
     */
    @Test
    void concurrentWritersOfOnePageLoseNothingAndReadersSeeWholeLongs() throws Exception {
        int writers = 3;
        int rounds = 20;
        PagedMemory mem = new PagedMemory(pool, "mem/threads", 16L * PAGE);
        long longs = mem.size() / Long.BYTES;
        java.util.concurrent.atomic.AtomicIntegerArray finished = new java.util.concurrent.atomic.AtomicIntegerArray(writers);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService threads = Executors.newFixedThreadPool(writers + 2);
        try {
            List<Future<?>> writing = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                int w = t;
                writing.add(threads.submit(() -> {
                    for (int r = 1; r <= rounds; r++) {
                        for (long i = w; i < longs; i += writers) {
                            mem.putLong(i * Long.BYTES, version(i, r));
                        }
                        finished.set(w, r);
                    }
                    return null;
                }));
            }
            Future<?> reader = threads.submit(() -> {
                Random random = new Random(3);
                while (!stop.get()) {
                    long i = random.nextInt((int) longs);
                    int before = finished.get((int) (i % writers));
                    long v = mem.getLong(i * Long.BYTES);
                    if (v != 0 || before > 0) {
                        assertEquals(i, v >>> 32, "long " + i + " whole: " + Long.toHexString(v));
                        assertTrue((int) v >= before, "long " + i + " round " + (int) v + " older than finished " + before);
                    }
                }
                return null;
            });
            Future<?> syncer = threads.submit(() -> {
                while (!stop.get()) {
                    mem.sync();
                }
                return null;
            });
            for (Future<?> f : writing) {
                f.get(40, TimeUnit.SECONDS);
            }
            stop.set(true);
            reader.get(10, TimeUnit.SECONDS);
            syncer.get(10, TimeUnit.SECONDS);
        } finally {
            stop.set(true);
            threads.shutdownNow();
        }
        for (long i = 0; i < longs; i++) {
            assertEquals(version(i, rounds), mem.getLong(i * Long.BYTES), "long " + i);
        }
        assertTrue(registry.get("hapager.bufferpool.evictions").counter().count() > 0);
    }

    private static long version(long index, int round) {
        return (index << 32) | round;
    }

    /** A value that differs in every byte from its neighbours'. */
    static long value(long offset) {
        long z = offset * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
