package org.hapager.server.log;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Log lines that a remote party can trigger at will (a bad frame, a failed proof, a connection over a limit),
 * at most one per {@code interval} for each kind: the first of a kind is logged at once, the following ones
 * within the interval are only counted, and the next line of that kind logged after the interval says how many
 * were left out ({@code "(N more suppressed)"}). The metrics count every event; the log shows that it happens
 * and one example, however fast a client repeats it.
 *
 * <p>Kinds are a small fixed set chosen by the caller (one state per kind is kept forever). Thread-safe: each
 * kind's window is guarded by its own monitor, and the line is written outside it.
 */
public final class RateLimitedLog {

    /** The interval page servers use: at most one line per kind every 10 seconds. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    /** One kind's state: when its last line was logged, and how many were left out since. */
    private static final class Window {
        boolean logged;
        long lastLoggedNanos;
        long suppressed;
    }

    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    /** {@code nanoClock} is {@code System::nanoTime} outside tests. */
    public RateLimitedLog(Logger log, Duration interval, LongSupplier nanoClock) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("interval : " + interval + " (expected: >= 0)");
        }
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
    }

    /** Logs at WARN, or counts the line if one of {@code kind} went out less than the interval ago. True if logged. */
    public boolean warn(String kind, String format, Object... args) {
        return log(Level.WARN, kind, format, args);
    }

    /** Like {@link #warn}, at ERROR. */
    public boolean error(String kind, String format, Object... args) {
        return log(Level.ERROR, kind, format, args);
    }

    /** Like {@link #warn}, at INFO. */
    public boolean info(String kind, String format, Object... args) {
        return log(Level.INFO, kind, format, args);
    }

    private boolean log(Level level, String kind, String format, Object... args) {
        if (!log.isEnabledForLevel(level)) {
            return false;
        }
        Window window = windows.computeIfAbsent(kind, k -> new Window());
        long suppressed;
        synchronized (window) {
            long now = nanoClock.getAsLong();
            if (window.logged && now - window.lastLoggedNanos < intervalNanos) {
                window.suppressed++;
                return false;
            }
            window.logged = true;
            window.lastLoggedNanos = now;
            suppressed = window.suppressed;
            window.suppressed = 0;
        }
        if (suppressed == 0) {
            log.atLevel(level).log(format, args);
        } else {
            Object[] withCount = Arrays.copyOf(args, args.length + 1);
            withCount[args.length] = suppressed;
            log.atLevel(level).log(format + " ({} more suppressed)", withCount);
        }
        return true;
    }
}
