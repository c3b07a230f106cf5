package org.hapager.cli.workload;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.hapager.workload.tpcc.loader.LoadProgress;

/**
 * The load's progress: on a terminal one bar redrawn in place (at most five times a second), otherwise a
 * line at every tenth, so a log or a pipe gets a few lines rather than hundreds of carriage returns. Once
 * {@code cancelled} says so, the next report throws {@link CancellationException}, which ends the load
 * between two batches.
 */
public final class LoadBar implements LoadProgress {

    private static final int WIDTH = 30;

    private final PrintWriter out;
    private final boolean inPlace;
    private final long startNanos = System.nanoTime();
    private long lastDrawNanos;
    private int lastTenth = -1;
    private final BooleanSupplier cancelled;
    private boolean drawn;

    public LoadBar(PrintWriter out, boolean inPlace, BooleanSupplier cancelled) {
        this.out = out;
        this.inPlace = inPlace;
        this.cancelled = cancelled;
    }

    @Override
    public synchronized void rowsLoaded(long loaded, long total) {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("load interrupted");
        }
        long now = System.nanoTime();
        int tenth = (int) (loaded * 10 / Math.max(1, total));
        if (inPlace) {
            if (now - lastDrawNanos >= 200_000_000L || loaded == total) {
                out.print("\r" + line(loaded, total, now));
                out.flush();
                lastDrawNanos = now;
                drawn = true;
            }
        } else if (tenth > lastTenth) {
            lastTenth = tenth;
            out.println(line(loaded, total, now));
            out.flush();
        }
    }

    /** Ends the bar's line (on a terminal). */
    public synchronized void finish() {
        if (inPlace && drawn) {
            out.println();
            out.flush();
        }
    }

    private String line(long loaded, long total, long now) {
        int filled = (int) (loaded * WIDTH / Math.max(1, total));
        double seconds = (now - startNanos) / 1e9;
        return String.format(Locale.ROOT, "loading: [%s%s] %3d%% %,9d / %,d rows, %5.1f s", "#".repeat(filled),
                ".".repeat(WIDTH - filled), loaded * 100 / Math.max(1, total), loaded, total, seconds);
    }
}
