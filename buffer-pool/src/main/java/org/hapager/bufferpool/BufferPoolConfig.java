package org.hapager.bufferpool;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import org.hapager.wire.WireLimits;

/**
 * Settings of a {@link BufferPool}.
 *
 * @param budgetBytes off-heap bytes for frames; the pool has {@code budgetBytes / pageSize} frames (at least 1)
 * @param pageSize    bytes per frame; every volume fixed through the pool must use this page size
 * @param fixTimeout  how long {@link BufferPool#fix} waits for a frame or a conflicting fix before failing
 * @param meterRegistry where the {@code hapager.bufferpool.*} meters go
 */
public record BufferPoolConfig(long budgetBytes, int pageSize, Duration fixTimeout, MeterRegistry meterRegistry) {

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
    }

    /** Frames the budget buys. */
    public int frameCount() {
        return (int) (budgetBytes / pageSize);
    }
}
