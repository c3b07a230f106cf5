package org.hapager.bufferpool;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The pool's {@code hapager.bufferpool.*} meters. Counters are thread-safe; gauges read the parts racily. */
final class PoolMeters {

    final Counter hits;
    final Counter misses;
    final Counter blankFixes;
    final Counter evictions;
    final Counter prefetchHits;
    final Counter prefetchReads;
    /** Syncs of a volume that {@code BufferPool.sync} issued to make buffered write-backs durable. */
    final Counter barriers;
    private final Map<WriteBack.Cause, Counter> writeBacks = new EnumMap<>(WriteBack.Cause.class);
    /** Fixes that could not pin at once (a miss, or a wait for a pin, a read or a write): how long they took. */
    final Timer fixWait;

    private final MeterRegistry registry;
    private final List<Gauge> gauges = new ArrayList<>();

    PoolMeters(MeterRegistry registry) {
        this.registry = registry;
        hits = Counter.builder("hapager.bufferpool.hits").description("fixes of a resident page").register(registry);
        misses = Counter.builder("hapager.bufferpool.misses").description("fixes that read the page").register(registry);
        blankFixes = Counter.builder("hapager.bufferpool.blank.fixes")
                .description("fixes that mapped a page zero-filled without reading it (BufferPool.fixBlank)").register(registry);
        evictions = Counter.builder("hapager.bufferpool.evictions").description("clean frames taken for another page").register(registry);
        prefetchHits = Counter.builder("hapager.bufferpool.prefetch.hits")
                .description("first fixes of a page that a prefetch or read-ahead brought in (or was bringing in)").register(registry);
        prefetchReads = Counter.builder("hapager.bufferpool.prefetch.reads")
                .description("reads started by prefetch or read-ahead").register(registry);
        barriers = Counter.builder("hapager.bufferpool.sync.barriers")
                .description("volume syncs a pool sync issued because buffered write-backs (eviction, flusher) of the "
                        + "volume were not yet durable").register(registry);
        for (WriteBack.Cause cause : WriteBack.Cause.values()) {
            writeBacks.put(cause, Counter.builder("hapager.bufferpool.writebacks").tag("cause", cause.tag)
                    .description("dirty frames written back, by who started the write: eviction or flusher (buffered), "
                            + "sync (durable)")
                    .register(registry));
        }
        fixWait = Timer.builder("hapager.bufferpool.fix.wait")
                .description("fixes that could not pin at once (miss, or waiting for a pin or I/O): time to the pin")
                .register(registry);
    }

    Counter writeBacks(WriteBack.Cause cause) {
        return writeBacks.get(cause);
    }

    /** The gauges, once the parts they read exist. */
    void registerGauges(FrameTable table, WriteBack writeBack) {
        gauges.add(Gauge.builder("hapager.bufferpool.hit.ratio", () -> {
            double h = hits.count();
            double all = h + misses.count();
            return all == 0 ? 0 : h / all;
        }).description("fixes of a resident page / all fixes, since start").register(registry));
        gauges.add(Gauge.builder("hapager.bufferpool.dirty", writeBack::dirtyFrames).description("frames in state DIRTY")
                .register(registry));
        gauges.add(Gauge.builder("hapager.bufferpool.writeback.queue", writeBack::writing)
                .description("write-backs in flight (frames in state WRITING), whoever started them").register(registry));
        gauges.add(Gauge.builder("hapager.bufferpool.pinned", table::pinnedFrames).description("frames pinned by fixers")
                .register(registry));
        gauges.add(Gauge.builder("hapager.bufferpool.prefetch.unused", table::unusedPrefetched)
                .description("frames a prefetch or read-ahead brought in that nobody fixed yet").register(registry));
        gauges.add(Gauge.builder("hapager.bufferpool.frames", () -> table.frames.length).description("frames in the budget")
                .register(registry));
    }

    /** Removes the gauges, which sample the closing pool; counters and timers stay for a pool opened after it. */
    void removeGauges() {
        gauges.forEach(registry::remove);
        gauges.clear();
    }
}
