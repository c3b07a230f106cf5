package org.hapager.workload.driver;

/**
 * One transaction type's totals over a run. Latencies (ms) are from the first attempt to the end of the
 * last, over committed and on-purpose rolled-back transactions; failures are not in them.
 *
 * @param type the type's name ({@link Workload#types()})
 */
public record TypeResult(String type, long committed, long rolledBack, long retries, long failures,
        Latency latency) {

    /** Completed transactions: committed plus rolled back on purpose. */
    public long completed() {
        return committed + rolledBack;
    }

    /** Latency statistics in milliseconds; all 0 when {@code count} is 0. */
    public record Latency(long count, double mean, double p50, double p90, double p95, double p99, double p999,
            double max) {
    }
}
