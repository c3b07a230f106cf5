package org.hapager.workload.tpcc.driver;

import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.hapager.workload.driver.Snapshot;
import org.hapager.workload.tpcc.TpccScale;

/**
 * How a {@link TpccRun} runs. Build with {@link #builder(TpccScale)}; every setting has a default.
 *
 * <p>No keying or think times: each terminal sends its next transaction as soon as the last one ended. That
 * makes a run throughput-oriented (a few terminals drive the database as hard as it goes), unlike the
 * specification's emulated users, and its tpmC is not comparable with published TPC-C results.
 *
 * @param scale              the database's cardinalities (see {@link TpccScale#detect})
 * @param terminals          threads, each with its own connection and a home warehouse and district:
 *                           terminal i has warehouse {@code i % W + 1} and district {@code i / W % 10 + 1}
 * @param duration           how long terminals start new transactions (default 60 s); zero for no time
 *                           limit, which needs a {@code transactionLimit}
 * @param transactionLimit   per terminal, 0 for no limit: a terminal stops after this many transactions
 * @param seed               terminal i's inputs come from seed + i + 1, the NURand constants from seed
 *                           (default: from the clock); a seed and a transaction limit repeat a run's inputs
 * @param maxAttempts        per database transaction, first try included, before a deadlock or lock
 *                           time-out counts as a failure (default 10)
 * @param isolation          a {@link Connection} TRANSACTION_* level (default READ_COMMITTED)
 * @param checkConsistency   run consistency conditions 1-4 after the run (default true)
 * @param interval           snapshot period (default 1 s)
 * @param onSnapshot         receives each snapshot on the thread that called {@link TpccRun#run()}
 * @param meterRegistry      when not null, timers {@code hapager.workload.transaction} (tags type, outcome)
 *                           and counter {@code hapager.workload.transaction.retries} (tag type)
 * @param failuresKept       failures remembered with their stack trace (default 10); all are counted
 */
public record RunOptions(TpccScale scale, int terminals, Duration duration, long transactionLimit, long seed,
        int maxAttempts, int isolation, boolean checkConsistency, Duration interval,
        Consumer<Snapshot> onSnapshot, MeterRegistry meterRegistry, int failuresKept) {

    public RunOptions {
        Objects.requireNonNull(scale, "scale");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(onSnapshot, "onSnapshot");
        if (terminals < 1 || maxAttempts < 1 || transactionLimit < 0 || failuresKept < 0) {
            throw new IllegalArgumentException("need terminals >= 1, maxAttempts >= 1, transactionLimit >= 0");
        }
        if (duration.isNegative() || interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("duration must not be negative and interval must be positive");
        }
        if (duration.isZero() && transactionLimit == 0) {
            throw new IllegalArgumentException("a run needs a duration, a transaction limit, or both");
        }
    }

    public static Builder builder(TpccScale scale) {
        return new Builder(scale);
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private final TpccScale scale;
        private int terminals = 1;
        private Duration duration = Duration.ofSeconds(60);
        private long transactionLimit;
        private long seed = System.nanoTime();
        private int maxAttempts = 10;
        private int isolation = Connection.TRANSACTION_READ_COMMITTED;
        private boolean checkConsistency = true;
        private Duration interval = Duration.ofSeconds(1);
        private Consumer<Snapshot> onSnapshot = s -> { };
        private MeterRegistry meterRegistry;
        private int failuresKept = 10;

        private Builder(TpccScale scale) {
            this.scale = scale;
        }

        public Builder terminals(int n) {
            this.terminals = n;
            return this;
        }

        public Builder duration(Duration d) {
            this.duration = d;
            return this;
        }

        public Builder transactionLimit(long perTerminal) {
            this.transactionLimit = perTerminal;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        public Builder maxAttempts(int n) {
            this.maxAttempts = n;
            return this;
        }

        public Builder isolation(int level) {
            this.isolation = level;
            return this;
        }

        public Builder checkConsistency(boolean check) {
            this.checkConsistency = check;
            return this;
        }

        public Builder interval(Duration d) {
            this.interval = d;
            return this;
        }

        public Builder onSnapshot(Consumer<Snapshot> listener) {
            this.onSnapshot = listener;
            return this;
        }

        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = registry;
            return this;
        }

        public Builder failuresKept(int n) {
            this.failuresKept = n;
            return this;
        }

        public RunOptions build() {
            return new RunOptions(scale, terminals, duration, transactionLimit, seed, maxAttempts, isolation,
                    checkConsistency, interval, onSnapshot, meterRegistry, failuresKept);
        }
    }
}
