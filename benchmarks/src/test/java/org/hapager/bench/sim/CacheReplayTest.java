package org.hapager.bench.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.hapager.bench.trace.Trace;
import org.hapager.bench.trace.TraceGenerator;
import org.hapager.bench.trace.TraceSpec;
import org.junit.jupiter.api.Test;

class CacheReplayTest {

    /** The textbook reference string (Silberschatz): 3 frames, OPT 9 faults, LRU 12 faults. */
    private static final int[] TEXTBOOK = {7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1};

    @Test
    void textbookLruAndBelady() {
        assertEquals(TEXTBOOK.length - 12, new LruReplay().hits(TEXTBOOK, 8, 3));
        assertEquals(TEXTBOOK.length - 9, new BeladyReplay().hits(TEXTBOOK, 8, 3));
    }

    @Test
    void lruKeepsTheMostRecent() {
        // 0 1 2 0 3 (evicts 1) 1 (miss, evicts 2) 0 (hit)
        assertEquals(2, new LruReplay().hits(new int[] {0, 1, 2, 0, 3, 1, 0}, 4, 3));
    }

    @Test
    void everyPolicyHitsAllButColdMissesWhenEverythingFits() {
        Trace t = TraceGenerator.generate(TraceSpec.defaults(1).scaledTo(500, 10_000));
        for (CacheReplay r : replays()) {
            assertEquals(t.length() - t.distinctPages(), r.hits(t.pages(), 500, 500), r.name());
        }
    }

    @Test
    void beladyBoundsEveryDemandPagingPolicy() {
        // Not Caffeine: its admission filter may drop the page just read (a bypass), which MIN without
        // bypass cannot do, so MIN does not bound it in theory.
        Trace t = TraceGenerator.generate(TraceSpec.defaults(2).scaledTo(2_000, 20_000));
        for (int capacity : new int[] {1, 20, 100, 400}) {
            long optimum = new BeladyReplay().hits(t.pages(), 2_000, capacity);
            for (CacheReplay r : List.of(new LruReplay(), BufferPoolReplay.demandPaging(512))) {
                long hits = r.hits(t.pages(), 2_000, capacity);
                assertTrue(hits <= optimum, r.name() + " at " + capacity + ": " + hits + " > Belady " + optimum);
                assertTrue(hits > 0 || capacity == 1, r.name() + " at " + capacity + ": no hit");
            }
        }
    }

    @Test
    void poolMatchesLruWithOneFrame() {
        // With one frame every policy keeps just the last page: a hit is a repeat of the previous access.
        Trace t = TraceGenerator.generate(TraceSpec.defaults(3).scaledTo(100, 5_000));
        long repeats = 0;
        for (int i = 1; i < t.length(); i++) {
            repeats += t.pages()[i] == t.pages()[i - 1] ? 1 : 0;
        }
        assertEquals(repeats, BufferPoolReplay.demandPaging(512).hits(t.pages(), 100, 1));
        assertEquals(repeats, new LruReplay().hits(t.pages(), 100, 1));
    }

    @Test
    void readAheadTurnsAPureScanIntoHits() {
        // One scan over every page, nothing else: demand paging misses every access; read-ahead prefetches
        // ahead of the scan (the replay itself checks hits + misses = accesses and reads = misses + prefetches).
        int[] scan = new int[2_000];
        java.util.Arrays.setAll(scan, i -> i);
        assertEquals(0, BufferPoolReplay.demandPaging(512).hits(scan, 2_000, 400));
        BufferPoolReplay readAhead = BufferPoolReplay.withDefaults(512);
        long hits = readAhead.hits(scan, 2_000, 400);
        assertTrue(hits > 1_900, "hits " + hits);
        assertTrue(readAhead.lastPrefetchReads() > 1_900, "prefetch reads " + readAhead.lastPrefetchReads());
    }

    private static List<CacheReplay> replays() {
        return List.of(new LruReplay(), new BeladyReplay(), new CaffeineReplay(), BufferPoolReplay.demandPaging(512));
    }
}
