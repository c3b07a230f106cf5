package org.hapager.bufferpool;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.hapager.wire.WireLimits;

/**
 * Settings of a {@link BufferPool}. The four-argument constructor takes the defaults for the rest; the
 * {@code with…} methods change them.
 *
 * @param budgetBytes      off-heap bytes for frames; the pool has {@code budgetBytes / pageSize} frames (at least 1)
 * @param pageSize         bytes per frame; every volume fixed through the pool must use this page size
 * @param fixTimeout       how long {@link BufferPool#fix} (and {@link BufferPool#discard}) waits for a frame, a
 *                         conflicting fix or I/O before failing with {@link FixTimeoutException}; over a pager,
 *                         longer than a failover (a fix that needs a frame waits for write-backs that wait for it)
 * @param meterRegistry    where the {@code hapager.bufferpool.*} meters go
 * @param readAheadPages   largest automatic read-ahead window in pages (default {@value #DEFAULT_READ_AHEAD_PAGES});
 *                         also capped at an eighth of the frames; 0 turns read-ahead off
 * @param flushHighWater   fraction of the frames (0..1) that may be DIRTY before the background flusher starts
 *                         writing them back (default 0.25); 1 turns the high-water flush off
 * @param flushLowWater    fraction of the frames (0..flushHighWater) the flusher writes the dirty count down to
 *                         (default 0.125)
 * @param flushMaxAge      the flusher writes back a page dirty for longer than this (default 1 s);
 *                         {@link Duration#ZERO} turns the age flush off
 * @param flushMaxInFlight the flusher's write-backs in flight at most (default {@value #DEFAULT_FLUSH_MAX_IN_FLIGHT});
 *                         0 means no flusher at all
 * @param ioTimeout        how long a wait for I/O that {@code fixTimeout} does not bound may last before it fails
 *                         with {@link PoolTimeoutException} (default 60 s, {@link #DEFAULT_IO_TIMEOUT}): a
 *                         {@link BufferPool#sync} in which none of the pages it waits for became durable (its
 *                         write-backs, and the exclusive pins it waits to end), and each pager request of a
 *                         {@link org.hapager.bufferpool.memory.PagedMemory#open}. The I/O itself goes on; only the
 *                         caller stops waiting. Over a {@link org.hapager.pager.PagerClient} it should exceed the
 *                         pager's {@code submitTimeout + failoverDeadline} (30 s + 30 s by default), within which
 *                         the pager completes or fails a request while no server serves, so that a failover
 *                         stays invisible; the pool logs a warning at construction when it does not
 * @param flushTicker      the clock, in nanoseconds, by which the flusher ages dirty pages against {@code flushMaxAge}
 *                         (default {@code System::nanoTime}); a test passes a fake one that it advances by hand
 *                         ({@link #withFlushTicker})
 * @param flusherThread    whether the flusher runs on its own daemon thread, {@code hapager-bufferpool-flusher}
 *                         (default true); false: it has no thread and runs a round only when the caller calls
 *                         {@link BufferPool#stepFlusher()}, on the caller's thread ({@link #withSteppedFlusher}); with
 *                         a fake ticker and a page I/O that completes on the caller's thread, a test then sees
 *                         exactly what each round writes (as Caffeine's tests use a fake ticker and a same-thread
 *                         executor)
 */
public record BufferPoolConfig(long budgetBytes, int pageSize, Duration fixTimeout, MeterRegistry meterRegistry,
                               int readAheadPages, double flushHighWater, double flushLowWater, Duration flushMaxAge,
                               int flushMaxInFlight, Duration ioTimeout, LongSupplier flushTicker,
                               boolean flusherThread) {

    public static final int DEFAULT_READ_AHEAD_PAGES = 64;
    public static final double DEFAULT_FLUSH_HIGH_WATER = 0.25;
    public static final double DEFAULT_FLUSH_LOW_WATER = 0.125;
    public static final Duration DEFAULT_FLUSH_MAX_AGE = Duration.ofSeconds(1);
    public static final int DEFAULT_FLUSH_MAX_IN_FLIGHT = 8;
    /** The pager's default submit timeout plus its default failover deadline. */
    public static final Duration DEFAULT_IO_TIMEOUT = Duration.ofSeconds(60);
    private static final LongSupplier SYSTEM_TICKER = System::nanoTime;

    public BufferPoolConfig {
        if (!WireLimits.isValidPageSize(pageSize)) {
            throw new IllegalArgumentException("pageSize : " + pageSize + " (expected: a power of two from "
                    + WireLimits.MIN_PAGE_SIZE + " to " + WireLimits.MAX_PAGE_SIZE + ")");
        }
        if (budgetBytes < pageSize) {
            throw new IllegalArgumentException("budgetBytes : " + budgetBytes + " (expected: >= pageSize " + pageSize + ")");
        }
        if (budgetBytes / pageSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("budgetBytes : " + budgetBytes + " (expected: fewer than 2^31 frames)");
        }
        Objects.requireNonNull(fixTimeout, "fixTimeout");
        if (fixTimeout.isNegative()) {
            throw new IllegalArgumentException("fixTimeout : " + fixTimeout + " (expected: >= 0)");
        }
        Objects.requireNonNull(meterRegistry, "meterRegistry");
        if (readAheadPages < 0) {
            throw new IllegalArgumentException("readAheadPages : " + readAheadPages + " (expected: >= 0)");
        }
        if (!(flushHighWater >= 0 && flushHighWater <= 1)) {
            throw new IllegalArgumentException("flushHighWater : " + flushHighWater + " (expected: 0..1)");
        }
        if (!(flushLowWater >= 0 && flushLowWater <= flushHighWater)) {
            throw new IllegalArgumentException("flushLowWater : " + flushLowWater + " (expected: 0..flushHighWater " + flushHighWater + ")");
        }
        Objects.requireNonNull(flushMaxAge, "flushMaxAge");
        if (flushMaxAge.isNegative()) {
            throw new IllegalArgumentException("flushMaxAge : " + flushMaxAge + " (expected: >= 0)");
        }
        if (flushMaxInFlight < 0) {
            throw new IllegalArgumentException("flushMaxInFlight : " + flushMaxInFlight + " (expected: >= 0)");
        }
        Objects.requireNonNull(ioTimeout, "ioTimeout");
        if (ioTimeout.isNegative() || ioTimeout.isZero()) {
            throw new IllegalArgumentException("ioTimeout : " + ioTimeout + " (expected: > 0)");
        }
        Objects.requireNonNull(flushTicker, "flushTicker");
    }

    /** The defaults for read-ahead, the background flusher and the I/O timeout. */
    public BufferPoolConfig(long budgetBytes, int pageSize, Duration fixTimeout, MeterRegistry meterRegistry) {
        this(budgetBytes, pageSize, fixTimeout, meterRegistry, DEFAULT_READ_AHEAD_PAGES, DEFAULT_FLUSH_HIGH_WATER,
                DEFAULT_FLUSH_LOW_WATER, DEFAULT_FLUSH_MAX_AGE, DEFAULT_FLUSH_MAX_IN_FLIGHT, DEFAULT_IO_TIMEOUT,
                SYSTEM_TICKER, true);
    }

    /** Frames the budget buys. */
    public int frameCount() {
        return (int) (budgetBytes / pageSize);
    }

    /** This config with another largest read-ahead window; 0 turns read-ahead off. */
    public BufferPoolConfig withReadAheadPages(int pages) {
        return new BufferPoolConfig(budgetBytes, pageSize, fixTimeout, meterRegistry, pages, flushHighWater,
                flushLowWater, flushMaxAge, flushMaxInFlight, ioTimeout, flushTicker, flusherThread);
    }

    /** This config with other flusher settings (see the record's parameters). */
    public BufferPoolConfig withFlusher(double highWater, double lowWater, Duration maxAge, int maxInFlight) {
        return new BufferPoolConfig(budgetBytes, pageSize, fixTimeout, meterRegistry, readAheadPages, highWater,
                lowWater, maxAge, maxInFlight, ioTimeout, flushTicker, flusherThread);
    }

    /** This config without a background flusher: dirty pages are written only by eviction and sync. */
    public BufferPoolConfig withoutFlusher() {
        return withFlusher(flushHighWater, flushLowWater, flushMaxAge, 0);
    }

    /** This config with another I/O timeout (see the record's parameters). */
    public BufferPoolConfig withIoTimeout(Duration timeout) {
        return new BufferPoolConfig(budgetBytes, pageSize, fixTimeout, meterRegistry, readAheadPages, flushHighWater,
                flushLowWater, flushMaxAge, flushMaxInFlight, timeout, flushTicker, flusherThread);
    }

    /** This config with another clock for the flusher's ages (see the record's parameters). */
    public BufferPoolConfig withFlushTicker(LongSupplier ticker) {
        return new BufferPoolConfig(budgetBytes, pageSize, fixTimeout, meterRegistry, readAheadPages, flushHighWater,
                flushLowWater, flushMaxAge, flushMaxInFlight, ioTimeout, ticker, flusherThread);
    }

    /**
     * This config with a flusher that has no thread: the caller runs each of its rounds with
     * {@link BufferPool#stepFlusher()} (see the record's parameters).
     */
    public BufferPoolConfig withSteppedFlusher() {
        return new BufferPoolConfig(budgetBytes, pageSize, fixTimeout, meterRegistry, readAheadPages, flushHighWater,
                flushLowWater, flushMaxAge, flushMaxInFlight, ioTimeout, flushTicker, false);
    }
}
