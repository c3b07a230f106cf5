package org.hapager.workload.driver;

import java.util.Locale;

/**
 * One interval of a run (normally the last second), for a progress line and the result's time series.
 *
 * @param elapsedSeconds  since the run started, at the end of this interval
 * @param intervalSeconds the interval's length
 * @param perMinute       the workload's headline per-minute rate in the interval (TPC-C: New-Orders committed
 *                        per minute, tpmC); NaN when the workload has none
 * @param tps             transactions completed (committed or rolled back on purpose) per second
 * @param latencyAvgMs    mean latency of those transactions, retries included; 0 if none
 * @param latencyP99Ms    their 99th percentile
 * @param errors          failures in the interval
 * @param retries         deadlock / lock time-out retries in the interval
 * @param totalErrors     failures since the start
 * @param totalRetries    retries since the start
 */
public record Snapshot(double elapsedSeconds, double intervalSeconds, double perMinute, double tps,
        double latencyAvgMs, double latencyP99Ms, long errors, long retries, long totalErrors, long totalRetries) {

    /**
     * A pgbench {@code -P} style line, e.g.
     * {@code progress: 3.0 s, 2710.3 tpmC, 100.4 tps, lat avg 9.87 ms, p99 41.21 ms, errors 0, retries 1}
     * (without the tpmC part when the workload has no per-minute rate).
     */
    public String format() {
        String rate = Double.isNaN(perMinute) ? "" : String.format(Locale.ROOT, "%8.1f tpmC, ", perMinute);
        return String.format(Locale.ROOT,
                "progress: %5.1f s, %s%7.1f tps, lat avg %7.2f ms, p99 %8.2f ms, errors %d, retries %d",
                elapsedSeconds, rate, tps, latencyAvgMs, latencyP99Ms, errors, retries);
    }
}
