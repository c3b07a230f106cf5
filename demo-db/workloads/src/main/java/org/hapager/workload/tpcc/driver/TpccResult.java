package org.hapager.workload.tpcc.driver;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.hapager.workload.tpcc.NURandConstants;
import org.hapager.workload.tpcc.TpccScale;
import org.hapager.workload.tpcc.checks.Violation;
import org.hapager.workload.tpcc.transactions.TransactionType;

/**
 * What a {@link TpccRun} measured and found. {@link #toJson()} writes it as one JSON object, schema
 * {@code hapager.tpcc.result/1} (numbers are JSON numbers, times in seconds or milliseconds as named):
 *
 * <pre>{@code
 * {
 *   "schema": "hapager.tpcc.result/1",
 *   "started_at": "2025-01-01T12:00:00Z",        // ISO-8601 instant
 *   "duration_s": 3.012,                         // start to the last terminal's stop
 *   "terminals": 2,
 *   "think_times": false,                        // always false: a throughput-oriented run
 *   "scale": {"warehouses": 2, "items": 1000, "customers_per_district": 30,
 *             "new_orders_per_district": 9, "spec_compliant": false},
 *   "seed": 42,
 *   "nurand": {"c_last": 40, "c_id": 512, "ol_i_id": 4000},
 *   "tpmC": 2710.3,                              // committed New-Orders per minute
 *   "tps": 100.4,                                // completed transactions per second, all types
 *   "totals": {"committed": 300, "rolled_back": 1, "retries": 2, "failures": 0},
 *   "transactions": {                            // one member per type: new_order, payment,
 *     "new_order": {                             //   order_status, delivery, stock_level
 *       "committed": 135, "rolled_back": 1, "retries": 1, "failures": 0,
 *       "skipped_deliveries": 0,                 // districts without an undelivered order (delivery)
 *       "latency_ms": {"count": 136, "mean": 9.8, "p50": 8.1, "p90": 15.2, "p95": 19.0,
 *                      "p99": 41.2, "p99_9": 60.3, "max": 61.0}
 *     }, ...
 *   },
 *   "consistency": {"checked": true, "passed": true,
 *                   "error": null,               // why the checks could not run, if they could not
 *                   "violations": [{"condition": 2, "warehouse": 1, "district": 3, "detail": "..."}]},
 *   "failures_kept": [{"type": "payment", "at_s": 1.2, "sql_state": "XJ001",
 *                      "message": "...", "stack": "..."}],   // the first few failures
 *   "connect_failures": 0,
 *   "intervals": [{"elapsed_s": 1.0, "interval_s": 1.0, "tpmC": 2700, "tps": 100, "lat_avg_ms": 9.9,
 *                  "lat_p99_ms": 40.1, "errors": 0, "retries": 0}, ...],
 *   "passed": true                               // no failure, and consistency checked and passed
 * }
 * }</pre>
 */
public record TpccResult(Instant startedAt, double durationSeconds, int terminals, TpccScale scale, long seed,
        NURandConstants constants, Map<TransactionType, TypeResult> transactions, boolean consistencyChecked,
        List<Violation> violations, String consistencyError, List<FailureInfo> failuresKept,
        long connectFailures, List<Snapshot> intervals) {

    public TpccResult {
        transactions = Map.copyOf(transactions);
        violations = List.copyOf(violations);
        failuresKept = List.copyOf(failuresKept);
        intervals = List.copyOf(intervals);
    }

    public TypeResult of(TransactionType type) {
        return transactions.get(type);
    }

    /** Committed New-Orders per minute over the whole run. */
    public double tpmC() {
        return durationSeconds <= 0 ? 0 : of(TransactionType.NEW_ORDER).committed() * 60.0 / durationSeconds;
    }

    /** Completed transactions of all types per second. */
    public double tps() {
        return durationSeconds <= 0 ? 0 : totalCompleted() / durationSeconds;
    }

    public long totalCommitted() {
        return transactions.values().stream().mapToLong(TypeResult::committed).sum();
    }

    public long totalRolledBack() {
        return transactions.values().stream().mapToLong(TypeResult::rolledBack).sum();
    }

    public long totalCompleted() {
        return totalCommitted() + totalRolledBack();
    }

    public long totalRetries() {
        return transactions.values().stream().mapToLong(TypeResult::retries).sum();
    }

    /** Failed transactions plus failed reconnects. */
    public long totalFailures() {
        return transactions.values().stream().mapToLong(TypeResult::failures).sum() + connectFailures;
    }

    /** The consistency checks ran and found nothing. */
    public boolean consistent() {
        return consistencyChecked && consistencyError == null && violations.isEmpty();
    }

    /** No failure, and the database is consistent. */
    public boolean passed() {
        return totalFailures() == 0 && consistent();
    }

    /** The whole result as one JSON object (see the class comment for the schema). */
    public String toJson() {
        Json j = new Json().beginObject()
                .field("schema", "hapager.tpcc.result/1")
                .field("started_at", startedAt.toString())
                .field("duration_s", durationSeconds)
                .field("terminals", terminals)
                .field("think_times", false);
        j.name("scale").beginObject()
                .field("warehouses", scale.warehouses())
                .field("items", scale.items())
                .field("customers_per_district", scale.customersPerDistrict())
                .field("new_orders_per_district", scale.newOrdersPerDistrict())
                .field("spec_compliant", scale.isSpec())
                .endObject();
        j.field("seed", seed);
        j.name("nurand").beginObject().field("c_last", constants.cLast()).field("c_id", constants.cId())
                .field("ol_i_id", constants.olIId()).endObject();
        j.field("tpmC", tpmC()).field("tps", tps());
        j.name("totals").beginObject().field("committed", totalCommitted()).field("rolled_back", totalRolledBack())
                .field("retries", totalRetries()).field("failures", totalFailures()).endObject();
        j.name("transactions").beginObject();
        for (TransactionType t : TransactionType.values()) {
            TypeResult r = of(t);
            TypeResult.Latency l = r.latency();
            j.name(t.tag()).beginObject()
                    .field("committed", r.committed()).field("rolled_back", r.rolledBack())
                    .field("retries", r.retries()).field("failures", r.failures())
                    .field("skipped_deliveries", r.skippedDeliveries());
            j.name("latency_ms").beginObject().field("count", l.count()).field("mean", l.mean())
                    .field("p50", l.p50()).field("p90", l.p90()).field("p95", l.p95()).field("p99", l.p99())
                    .field("p99_9", l.p999()).field("max", l.max()).endObject();
            j.endObject();
        }
        j.endObject();
        j.name("consistency").beginObject().field("checked", consistencyChecked).field("passed", consistent())
                .field("error", consistencyError);
        j.name("violations").beginArray();
        for (Violation v : violations) {
            j.beginObject().field("condition", v.condition()).field("warehouse", v.warehouse())
                    .field("district", v.district()).field("detail", v.detail()).endObject();
        }
        j.endArray().endObject();
        j.name("failures_kept").beginArray();
        for (FailureInfo f : failuresKept) {
            j.beginObject().field("type", f.type()).field("at_s", f.atSeconds()).field("sql_state", f.sqlState())
                    .field("message", f.message()).field("stack", f.stackTrace()).endObject();
        }
        j.endArray();
        j.field("connect_failures", connectFailures);
        j.name("intervals").beginArray();
        for (Snapshot s : intervals) {
            j.beginObject().field("elapsed_s", s.elapsedSeconds()).field("interval_s", s.intervalSeconds())
                    .field("tpmC", s.tpmC()).field("tps", s.tps()).field("lat_avg_ms", s.latencyAvgMs())
                    .field("lat_p99_ms", s.latencyP99Ms()).field("errors", s.errors())
                    .field("retries", s.retries()).endObject();
        }
        j.endArray();
        j.field("passed", passed());
        return j.endObject().toString();
    }

    /** A few lines for a person: throughput, each type's counts and latency, consistency. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(java.util.Locale.ROOT, "%d transactions in %.1f s: %.1f tpmC, %.1f tps;"
                + " retries %d, failures %d%n", totalCompleted(), durationSeconds, tpmC(), tps(), totalRetries(),
                totalFailures()));
        for (TransactionType t : TransactionType.values()) {
            TypeResult r = of(t);
            sb.append(String.format(java.util.Locale.ROOT, "  %-12s committed %7d  rolled back %5d  retries %4d"
                    + "  failures %4d  lat avg %8.2f ms  p99 %8.2f ms%n", t.tag(), r.committed(), r.rolledBack(),
                    r.retries(), r.failures(), r.latency().mean(), r.latency().p99()));
        }
        if (!consistencyChecked) {
            sb.append("consistency: not checked");
        } else if (consistencyError != null) {
            sb.append("consistency: could not be checked: ").append(consistencyError);
        } else if (violations.isEmpty()) {
            sb.append("consistency: conditions 1-4 hold");
        } else {
            sb.append("consistency: ").append(violations.size()).append(" violation(s)");
            violations.forEach(v -> sb.append(System.lineSeparator()).append("  ").append(v));
        }
        return sb.toString();
    }
}
