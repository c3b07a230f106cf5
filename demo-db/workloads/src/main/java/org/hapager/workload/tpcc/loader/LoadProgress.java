package org.hapager.workload.tpcc.loader;

/**
 * Told how far a load has come, for a progress bar: after every batch written, with the rows written so far
 * and the exact total the load will write. Calls are serialized (never two at once) but may come from any
 * loader thread; keep them short.
 */
@FunctionalInterface
public interface LoadProgress {

    /** Ignores every report. */
    LoadProgress NONE = (loaded, total) -> { };

    void rowsLoaded(long loaded, long total);
}
