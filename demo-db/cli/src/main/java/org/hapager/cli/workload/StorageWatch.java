package org.hapager.cli.workload;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.hapager.workload.result.RunEvent;
import org.hapager.workload.result.StorageFigure;

/**
 * What hapager's own meters say about the storage under a run, read from the command's registry: the server
 * the client uses now, failovers (each seen becomes a {@link RunEvent}), reissued requests, the longest
 * failover stall, and at the end the figures of the run (page I/O, buffer pool). Reads only; the pager client
 * and the buffer pool record.
 *
 * <p>Called from the run's reporting thread only (not thread-safe).
 */
public final class StorageWatch {

    private final MeterRegistry registry;
    private final List<RunEvent> events = new ArrayList<>();
    private long failoversSeen;
    private double longestStallSeconds;

    public StorageWatch(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Looks at the meters at {@code elapsedSeconds} into the run: a failover since the last look becomes an
     * event. Also keeps the longest failover stall: Micrometer's timer max forgets an event after a couple of
     * minutes, so it is read often and the largest value kept.
     */
    public void poll(double elapsedSeconds) {
        long failovers = count("hapager.pager.failovers");
        if (failovers > failoversSeen) {
            String now = servingName();
            for (long i = failoversSeen; i < failovers; i++) {
                events.add(new RunEvent(elapsedSeconds, "failover", "the client moved to " + now));
            }
            failoversSeen = failovers;
        }
        readStall();
    }

    private void readStall() {
        Timer t = registry.find("hapager.pager.failover.stall").timer();
        if (t != null) {
            longestStallSeconds = Math.max(longestStallSeconds, t.max(TimeUnit.SECONDS));
        }
    }

    /** The failovers seen by {@link #poll}, in order. */
    public List<RunEvent> events() {
        return List.copyOf(events);
    }

    /** {@code , failovers N, reissues M, server HOST:PORT} for a progress line. */
    public String progressSuffix() {
        return String.format(Locale.ROOT, ", failovers %d, reissues %d, server %s", count("hapager.pager.failovers"),
                count("hapager.pager.reissues"), servingName());
    }

    /** {@code host:port} of the page server the client sends to now, or "none" (during a failover). */
    public String servingName() {
        for (Gauge g : registry.find("hapager.pager.server.current").gauges()) {
            if (g.value() == 1) {
                return g.getId().getTag("server");
            }
        }
        return "none";
    }

    public long failovers() {
        return count("hapager.pager.failovers");
    }

    public long reissues() {
        return count("hapager.pager.reissues");
    }

    /** The longest failover stall seen by {@link #poll} (loss of a server to the first reissued completion). */
    public double longestStallSeconds() {
        readStall();
        return longestStallSeconds;
    }

    /** The run's storage figures, from the meters; empty if no hapager meter is in the registry. */
    public List<StorageFigure> figures() {
        List<StorageFigure> f = new ArrayList<>();
        if (registry.find("hapager.pager.io").timers().isEmpty()) {
            return f;
        }
        f.add(new StorageFigure("page_reads", ioCount("read"), "page reads completed by the page servers"));
        f.add(new StorageFigure("page_writes", ioCount("write"), "page writes completed (durable) by the page servers"));
        f.add(new StorageFigure("page_read_mean_ms", ioMeanMs("read"), "mean page read, submit to completion (ms)"));
        f.add(new StorageFigure("page_write_mean_ms", ioMeanMs("write"), "mean page write, submit to completion (ms)"));
        f.add(new StorageFigure("failovers", failovers(), "failovers to the other page server"));
        f.add(new StorageFigure("reissues", reissues(), "page requests reissued to the other server"));
        for (String w : List.of("before_send", "before_accept", "after_accept", "after_completion")) {
            Counter c = registry.find("hapager.pager.reissues").tag("window", w).counter();
            f.add(new StorageFigure("reissues_" + w, c == null ? 0 : c.count(),
                    "reissued requests cut off " + w.replace('_', ' ') + " (patent FIG. 5 window)"));
        }
        f.add(new StorageFigure("failover_stall_max_s", longestStallSeconds(),
                "longest failover stall: server lost to the first reissued completion (s)"));
        f.add(new StorageFigure("lease_expirations", count("hapager.lease.expirations"),
                "leases on a page server that ran out (a frozen or cut-off server)"));
        double hits = count("hapager.bufferpool.hits");
        double misses = count("hapager.bufferpool.misses");
        f.add(new StorageFigure("pool_hit_ratio", hits + misses == 0 ? 0 : hits / (hits + misses),
                "buffer pool hit ratio: fixes of a resident page / all fixes"));
        f.add(new StorageFigure("pool_fixes", hits + misses, "buffer pool fixes"));
        f.add(new StorageFigure("pool_evictions", count("hapager.bufferpool.evictions"), "clean frames taken for another page"));
        f.add(new StorageFigure("pool_writebacks", count("hapager.bufferpool.writebacks"),
                "dirty frames written back (eviction, flusher, sync)"));
        return f;
    }

    private double ioCount(String op) {
        return registry.find("hapager.pager.io").tag("op", op).tag("outcome", "ok").timers().stream()
                .mapToLong(Timer::count).sum();
    }

    private double ioMeanMs(String op) {
        Timer t = registry.find("hapager.pager.io").tag("op", op).tag("outcome", "ok").timer();
        return t == null ? 0 : t.mean(TimeUnit.MILLISECONDS);
    }

    private long count(String name) {
        return Math.round(registry.find(name).counters().stream().mapToDouble(Counter::count).sum());
    }
}
