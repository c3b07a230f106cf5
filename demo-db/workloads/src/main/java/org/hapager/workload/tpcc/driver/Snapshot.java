package org.hapager.workload.tpcc.driver;

import java.util.Locale;

/**
 * One interval of a run (normally the last second), for a progress line.
 *
 * @param elapsedSeconds  since the run started, at the end of this interval
 * @param intervalSeconds the interval's length
 * @param tpmC            New-Orders committed in the interval, per minute
 * @param tps             transactions completed (committed or rolled back as expected) per second
 * @param latencyAvgMs    mean latency of those transactions, retries included; 0 if none
 * @param latencyP99Ms    their 99th percentile
 * @param errors          failures in the interval
 * @param retries         deadlock / lock time-out retries in the interval
 * @param totalErrors     failures since the start
 * @param totalRetries    retries since the start
 */
public record Snapshot(double elapsedSeconds, double intervalSeconds, double tpmC, double tps,
        double latencyAvgMs, double latencyP99Ms, long errors, long retries, long totalErrors, long totalRetries) {

    /**
     * A pgbench {@code -P} style line, e.g.
     * {@code progress: 3.0 s, 2710.3 tpmC, 100.4 tps, lat avg 9.87 ms, p99 41.21 ms, errors 0, retries 1}.
     */
    public String format() {
        return String.format(Locale.ROOT,
                "progress: %5.1f s, %8.1f tpmC, %7.1f tps, lat avg %7.2f ms, p99 %8.2f ms, errors %d, retries %d",
                elapsedSeconds, tpmC, tps, latencyAvgMs, latencyP99Ms, errors, retries);
    }
}
