package org.hapager.workload.driver;

import java.time.Instant;
import java.util.List;

/**
 * What a {@link Driver} run measured: per-type totals and latencies, the interval snapshots, and the first
 * few failures with their stack traces (all failures are counted).
 *
 * @param types           one per {@link Workload#types()}, in that order
 * @param perMinuteType   {@link Workload#perMinuteType()}
 * @param connectFailures connections that could not be (re)opened
 */
public record DriverResult(String workload, Instant startedAt, double durationSeconds, int clients,
        List<TypeResult> types, int perMinuteType, List<FailureInfo> failuresKept, long connectFailures,
        List<Snapshot> intervals) {

    public DriverResult {
        types = List.copyOf(types);
        failuresKept = List.copyOf(failuresKept);
        intervals = List.copyOf(intervals);
    }

    /** The totals of the type named {@code name}. */
    public TypeResult type(String name) {
        return types.stream().filter(t -> t.type().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no transaction type " + name));
    }

    /** Commits per minute of the headline type over the whole run (TPC-C's tpmC); NaN if there is none. */
    public double perMinute() {
        return perMinuteType < 0 || durationSeconds <= 0 ? Double.NaN
                : types.get(perMinuteType).committed() * 60.0 / durationSeconds;
    }

    /** Completed transactions of all types per second. */
    public double tps() {
        return durationSeconds <= 0 ? 0 : totalCompleted() / durationSeconds;
    }

    public long totalCommitted() {
        return types.stream().mapToLong(TypeResult::committed).sum();
    }

    public long totalRolledBack() {
        return types.stream().mapToLong(TypeResult::rolledBack).sum();
    }

    public long totalCompleted() {
        return totalCommitted() + totalRolledBack();
    }

    public long totalRetries() {
        return types.stream().mapToLong(TypeResult::retries).sum();
    }

    /** Failed transactions plus failed (re)connects. */
    public long totalFailures() {
        return types.stream().mapToLong(TypeResult::failures).sum() + connectFailures;
    }
}
