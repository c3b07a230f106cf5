package org.hapager.bench.sim;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.hapager.bench.MemoryPageIo;
import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.BufferPoolConfig;
import org.hapager.bufferpool.Mode;
import org.hapager.bufferpool.PageHandle;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;

/**
 * The real {@link BufferPool} with {@code capacity} frames over {@link MemoryPageIo}: each access fixes its
 * page {@link Mode#SHARED} and unfixes it at once. Hits and misses are the pool's own counters
 * ({@code hapager.bufferpool.hits} / {@code misses}); every fixed frame is checked to hold the page asked for,
 * and the pool's invariants are checked at the end.
 */
public final class BufferPoolReplay implements CacheReplay {

    private final int pageSize;

    public BufferPoolReplay(int pageSize) {
        this.pageSize = pageSize;
    }

    @Override
    public String name() {
        return "pool";
    }

    @Override
    public long hits(int[] trace, int pages, int capacity) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MemoryPageIo io = new MemoryPageIo();
        Volume volume = Volume.of("bench/trace.dat", pageSize);
        BufferPoolConfig config = new BufferPoolConfig((long) capacity * pageSize, pageSize, Duration.ofSeconds(5), registry);
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
            if (hits + misses != trace.length || misses != io.reads()) {
                throw new AssertionError("pool counted " + hits + " hits + " + misses + " misses for " + trace.length
                        + " fixes, and issued " + io.reads() + " reads");
            }
            return hits;
        }
    }
}
