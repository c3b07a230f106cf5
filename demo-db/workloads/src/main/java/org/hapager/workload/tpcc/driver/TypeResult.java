package org.hapager.workload.tpcc.driver;

import org.hapager.workload.tpcc.transactions.TransactionType;

/**
 * One transaction type's totals over a run. Latencies (ms) are from the first attempt to the end of the
 * last, over committed and expectedly rolled-back transactions; failures are not in them.
 *
 * @param skippedDeliveries Delivery only: districts found with no undelivered order
 */
public record TypeResult(TransactionType type, long committed, long rolledBack, long retries, long failures,
        long skippedDeliveries, Latency latency) {

    /** Completed transactions: committed plus rolled back as the specification asks. */
    public long completed() {
        return committed + rolledBack;
    }

    /** Latency statistics in milliseconds; all 0 when {@code count} is 0. */
    public record Latency(long count, double mean, double p50, double p90, double p95, double p99, double p999,
            double max) {
    }
}
