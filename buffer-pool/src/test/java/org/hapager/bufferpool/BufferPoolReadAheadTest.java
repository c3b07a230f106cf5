package org.hapager.bufferpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Automatic read-ahead over in-memory page I/O: sequential fixes are read ahead, random ones are not. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(SeedExtension.class)
class BufferPoolReadAheadTest {

    static final int PAGE_SIZE = 512;
    final Volume v = Volume.of("bp/scan.dat", PAGE_SIZE);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MemoryPageIo io = new MemoryPageIo();

    private BufferPool pool(int frames, int readAheadPages) {
        return new BufferPool(io, new BufferPoolConfig((long) frames * PAGE_SIZE, PAGE_SIZE, Duration.ofSeconds(10),
                registry).withReadAheadPages(readAheadPages).withoutFlusher());
    }

    @Test
    void sequentialFixesAreReadAhead() throws Exception {
        BufferPool pool = pool(1024, 64); // largest window 64 (1024 / 8 = 128)
        int pages = 1000;
        scan(pool, 0, pages);
        double misses = count("hapager.bufferpool.misses");
        assertTrue(misses <= 5, "fixes that had to read: " + misses + " of " + pages);
        assertEquals(3.0, misses, "pages 0, 1, 2 are read by their fixes; the miss of 2 starts the stream");
        assertTrue(count("hapager.bufferpool.prefetch.hits") >= pages - 5, "prefetch hits " + count("hapager.bufferpool.prefetch.hits"));
        long reads = io.reads();
        assertTrue(reads >= pages && reads <= pages + 2 * 64, "reads " + reads + ": each page once, at most two windows beyond");
        assertEquals(reads - 3, count("hapager.bufferpool.prefetch.reads"));
        assertTrue(gauge("hapager.bufferpool.prefetch.unused") <= 2 * 64, "unused " + gauge("hapager.bufferpool.prefetch.unused"));
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void theWindowIsCappedToAnEighthOfThePool() throws Exception {
        BufferPool pool = pool(64, 64); // largest window 64 / 8 = 8
        int pages = 400; // more than six times the pool: frames are reused all along
        scan(pool, 0, pages);
        double misses = count("hapager.bufferpool.misses");
        assertTrue(misses < pages / 10.0, "fixes that had to read: " + misses + " of " + pages);
        long reads = io.reads();
        assertTrue(reads >= pages && reads <= pages + 2 * 8, "reads " + reads);
        assertTrue(gauge("hapager.bufferpool.prefetch.unused") <= 2 * 8, "unused " + gauge("hapager.bufferpool.prefetch.unused"));
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void randomAccessReadsNothingAhead(Seed testSeed) throws Exception {
        long seed = testSeed.value();
        Random random = new Random(seed);
        BufferPool pool = pool(256, 64);
        long last = -10;
        for (int i = 0; i < 2000; i++) {
            long p;
            do {
                p = random.nextInt(4096);
            } while (Math.abs(p - last) <= 1);
            try (PageHandle h = pool.fix(v, p, Mode.SHARED)) {
                assertEquals(p, h.page());
            }
            last = p;
        }
        assertEquals(0.0, count("hapager.bufferpool.prefetch.reads"), "random reads prefetch nothing");
        assertEquals(count("hapager.bufferpool.misses"), io.reads(), "every read is a fix's");
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void aRandomMissEndsTheStream() throws Exception {
        BufferPool pool = pool(1024, 64);
        scan(pool, 0, 20);
        long reads = io.reads();
        pool.fix(v, 5000, Mode.SHARED).close(); // far away: the stream ends
        pool.fix(v, 3000, Mode.SHARED).close();
        pool.fix(v, 3001, Mode.SHARED).close(); // two sequential fixes: not yet a stream
        assertEquals(reads + 3, io.reads());
        pool.fix(v, 3002, Mode.SHARED).close(); // the third: a new stream
        assertEquals(reads + 4 + ReadAhead.INITIAL_WINDOW, io.reads());
        pool.assertInvariants();
        pool.close();
    }

    @Test
    void readAheadOffReadsOnlyWhatIsFixed() throws Exception {
        BufferPool pool = pool(1024, 0);
        scan(pool, 0, 200);
        assertEquals(200.0, count("hapager.bufferpool.misses"));
        assertEquals(200, io.reads());
        assertEquals(0.0, count("hapager.bufferpool.prefetch.reads"));
        pool.close();
    }

    /**
     * A writer extending a file fixes its new pages blank: no read, zeros, and no read-ahead past the end. A
     * blank fix of a resident page gets the page as it is.
     */
    @Test
    void blankFixesReadNothingAndFeedNoReadAhead() throws Exception {
        BufferPool pool = pool(1024, 64);
        for (long p = 0; p < 200; p++) {
            try (PageHandle h = pool.fixBlank(v, p)) {
                assertEquals(ByteBuffer.allocate(PAGE_SIZE), h.buffer().duplicate().clear(), "page " + p);
                h.buffer().putLong(0, p + 1);
                h.markDirty();
            }
        }
        assertEquals(0, io.reads(), "an extending writer reads nothing");
        assertEquals(200.0, count("hapager.bufferpool.blank.fixes"));
        assertEquals(0.0, count("hapager.bufferpool.misses") + count("hapager.bufferpool.hits"));
        try (PageHandle h = pool.fixBlank(v, 7)) {
            assertEquals(8L, h.buffer().getLong(0), "a resident page is fixed as it is, not blanked");
        }
        assertEquals(200.0, count("hapager.bufferpool.blank.fixes"), "a resident page is no blank fix");
        pool.sync(v.name());
        pool.discard(v.name(), 0);
        try (PageHandle h = pool.fix(v, 7, Mode.SHARED)) {
            assertEquals(8L, h.buffer().getLong(0), "what the blank page was written with reached the servers");
        }
        pool.assertInvariants();
        pool.close();
    }

    private void scan(BufferPool pool, long first, int pages) throws PageIoException {
        for (long p = first; p < first + pages; p++) {
            try (PageHandle h = pool.fix(v, p, Mode.SHARED)) {
                assertEquals(ByteBuffer.allocate(PAGE_SIZE), h.buffer().duplicate().clear(), "page " + p);
            }
        }
    }

    private double count(String name) {
        return registry.get(name).counter().count();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }
}
