package org.hapager.workload.driver;

import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a {@link Driver} runs a workload.
 *
 * @param clients          threads, each with its own connection and {@link WorkloadClient}
 * @param duration         how long clients start new transactions; zero for no time limit, which needs a
 *                         {@code transactionLimit}
 * @param transactionLimit per client, 0 for none: a client stops after this many transactions
 * @param seed             client i's randomness comes from {@link Workload#client}(i, seed)
 * @param isolation        a {@link Connection} TRANSACTION_* level for every client connection
 * @param interval         snapshot period
 * @param onSnapshot       receives each snapshot on the thread that called {@link Driver#run()}
 * @param meterRegistry    when not null: timer {@code hapager.workload.transaction} (tags workload, type,
 *                         outcome) and counter {@code hapager.workload.transaction.retries} (workload, type)
 * @param failuresKept     failures remembered with their stack trace; all are counted
 */
public record DriverOptions(int clients, Duration duration, long transactionLimit, long seed, int isolation,
        Duration interval, Consumer<Snapshot> onSnapshot, MeterRegistry meterRegistry, int failuresKept) {

    public DriverOptions {
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(onSnapshot, "onSnapshot");
        if (clients < 1 || transactionLimit < 0 || failuresKept < 0) {
            throw new IllegalArgumentException("need clients >= 1, transactionLimit >= 0, failuresKept >= 0");
        }
        if (duration.isNegative() || interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("duration must not be negative and interval must be positive");
        }
        if (duration.isZero() && transactionLimit == 0) {
            throw new IllegalArgumentException("a run needs a duration, a transaction limit, or both");
        }
    }
}
