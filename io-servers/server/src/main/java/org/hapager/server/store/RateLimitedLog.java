package org.hapager.server.store;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Logs at most {@code burst} lines per window; the first line of a later window is preceded by one line saying
 * how many were left out. For events a client can cause at any rate (a refused write, a failing disk), so the log
 * says that they happen without repeating itself per request. Thread-safe (synchronized: only failure paths
 * call it).
 */
final class RateLimitedLog {

    private final Logger log;
    private final int burst;
    private final long windowNanos;
    private long windowStart;
    private int loggedInWindow;
    private long leftOut;

    RateLimitedLog(Logger log, int burst, long window, TimeUnit unit) {
        this.log = log;
        this.burst = burst;
        this.windowNanos = unit.toNanos(window);
        this.windowStart = System.nanoTime() - windowNanos;
    }

    void warn(String format, Object... args) {
        if (admit()) {
            log.warn(format, args);
        }
    }

    void error(String format, Object... args) {
        if (admit()) {
            log.error(format, args);
        }
    }

    private synchronized boolean admit() {
        long now = System.nanoTime();
        if (now - windowStart >= windowNanos) {
            if (leftOut > 0) {
                log.warn("{} similar lines were left out in the last {} s", leftOut, TimeUnit.NANOSECONDS.toSeconds(now - windowStart));
            }
            windowStart = now;
            loggedInWindow = 0;
            leftOut = 0;
        }
        if (loggedInWindow < burst) {
            loggedInWindow++;
            return true;
        }
        leftOut++;
        return false;
    }
}
