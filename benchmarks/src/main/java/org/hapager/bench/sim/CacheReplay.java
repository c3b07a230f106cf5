package org.hapager.bench.sim;

/** A cache policy replayed over a trace of page numbers. */
public interface CacheReplay {

    /** Short name for tables and JSON keys. */
    String name();

    /**
     * Replays {@code trace} (page numbers {@code 0 .. pages-1}) through a cold cache of {@code capacity}
     * pages and returns how many accesses found their page resident.
     */
    long hits(int[] trace, int pages, int capacity);
}
