package org.hapager.bench.page;

import org.HdrHistogram.Histogram;

/** Operation count and latency histogram of one measured cell; single-writer. */
final class LatencyRecorder {

    private final Histogram histogram = new Histogram(3_600_000_000_000L, 3);
    private long operations;

    void record(long nanos) {
        histogram.recordValue(Math.max(1, nanos));
        operations++;
    }

    void add(LatencyRecorder other) {
        histogram.add(other.histogram);
        operations += other.operations;
    }

    long operations() {
        return operations;
    }

    double percentileMicros(double percentile) {
        return histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    double meanMicros() {
        return histogram.getMean() / 1000.0;
    }
}
