package org.hapager.bench.sim;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.BufferPoolConfig;
import org.hapager.bufferpool.MemoryPageIo;
import org.hapager.bufferpool.Mode;
import org.hapager.bufferpool.PageHandle;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;

/**
 * The real {@link BufferPool} with {@code capacity} frames over {@link MemoryPageIo}: each access fixes its
 * page {@link Mode#SHARED} and unfixes it at once. Hits and misses are the pool's own counters
 * ({@code hapager.bufferpool.hits} / {@code misses}; the first fix of a page that read-ahead brought in is a
 * hit); every fixed frame is checked to hold the page asked for, and the pool's invariants are checked at the
 * end. {@link #demandPaging} turns the pool's automatic read-ahead off, so that it loads exactly the pages
 * fixed, like the LRU and Belady replays; {@link #withDefaults} keeps the defaults of the 4-argument
 * {@link BufferPoolConfig} constructor, read-ahead included. Neither runs the background flusher (nothing is
 * ever dirty here).
 */
public final class BufferPoolReplay implements CacheReplay {

    private final int pageSize;
    private final boolean readAhead;

    private BufferPoolReplay(int pageSize, boolean readAhead) {
        this.pageSize = pageSize;
        this.readAhead = readAhead;
    }

    /** The pool with read-ahead off: demand paging. */
    public static BufferPoolReplay demandPaging(int pageSize) {
        return new BufferPoolReplay(pageSize, false);
    }

    /** The pool with its default read-ahead. */
    public static BufferPoolReplay withDefaults(int pageSize) {
        return new BufferPoolReplay(pageSize, true);
    }

    @Override
    public String name() {
        return readAhead ? "pool_readahead" : "pool";
    }

    private long lastPrefetchReads;

    /** Reads that read-ahead issued during the last replay. */
    public long lastPrefetchReads() {
        return lastPrefetchReads;
    }

    @Override
    public long hits(int[] trace, int pages, int capacity) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MemoryPageIo io = MemoryPageIo.stampingPageNumbers();
        Volume volume = Volume.of("bench/trace.dat", pageSize);
        BufferPoolConfig config = new BufferPoolConfig((long) capacity * pageSize, pageSize, Duration.ofSeconds(5), registry)
                .withoutFlusher();
        if (!readAhead) {
            config = config.withReadAheadPages(0);
        }
        try (BufferPool pool = new BufferPool(io, config)) {
            for (int page : trace) {
                try (PageHandle h = pool.fix(volume, page, Mode.SHARED)) {
                    long stamped = h.buffer().getLong(0);
                    if (stamped != page) {
                        throw new AssertionError("fix of page " + page + " returned a frame holding page " + stamped);
                    }
                } catch (PageIoException e) {
                    throw new IllegalStateException("fix of page " + page + " failed over in-memory I/O", e);
                }
            }
            pool.assertInvariants();
            long hits = (long) registry.get("hapager.bufferpool.hits").counter().count();
            long misses = (long) registry.get("hapager.bufferpool.misses").counter().count();
            long prefetched = (long) registry.get("hapager.bufferpool.prefetch.reads").counter().count();
            if (hits + misses != trace.length || misses + prefetched != io.reads() || (!readAhead && prefetched != 0)) {
                throw new AssertionError("pool counted " + hits + " hits + " + misses + " misses for " + trace.length
                        + " fixes and " + prefetched + " prefetch reads, and issued " + io.reads() + " reads");
            }
            lastPrefetchReads = prefetched;
            return hits;
        }
    }
}
