package org.hapager.workload.result;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.driver.FailureInfo;
import org.hapager.workload.driver.Json;
import org.hapager.workload.driver.Snapshot;
import org.hapager.workload.driver.TypeResult;

/**
 * Everything a workload command reports about one run, for every workload alike: the driver's measurements,
 * the run's configuration, what happened to the storage on the way (events, figures), and the checks run
 * afterwards. {@link #toJson()} writes it in the schema {@value #SCHEMA}, documented as a JSON Schema in
 * {@code workload-result.schema.json} beside this class (and in docs/WORKLOADS.md); the HTML report draws it.
 *
 * @param run     the driver's measurements
 * @param config  the run's configuration as a person reads it, in order (url, storage, scale, seed, ...)
 * @param storage what the storage under the database went through, in order; empty when not measured
 * @param events  faults and failovers, in time order
 * @param checks  the checks after the run (TPC-C: conditions 1-4); empty if the workload has none
 */
public record WorkloadResult(DriverResult run, Map<String, String> config, List<StorageFigure> storage,
        List<RunEvent> events, List<CheckResult> checks) {

    public static final String SCHEMA = "hapager.workload.result/1";

    public WorkloadResult {
        Objects.requireNonNull(run, "run");
        config = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(config));
        storage = List.copyOf(storage);
        events = List.copyOf(events);
        checks = List.copyOf(checks);
    }

    /** No transaction failed and every check held. */
    public boolean passed() {
        return run.totalFailures() == 0 && checks.stream().allMatch(CheckResult::passed);
    }

    /** The result as one JSON object in schema {@value #SCHEMA}. */
    public String toJson() {
        Json j = new Json().beginObject()
                .field("schema", SCHEMA)
                .field("workload", run.workload())
                .field("started_at", run.startedAt().toString())
                .field("duration_s", run.durationSeconds())
                .field("clients", run.clients());
        j.name("config").beginObject();
        config.forEach(j::field);
        j.endObject();
        j.field("tps", run.tps());
        j.name("tpmC").value(run.perMinute());
        j.name("totals").beginObject().field("committed", run.totalCommitted())
                .field("rolled_back", run.totalRolledBack()).field("retries", run.totalRetries())
                .field("failures", run.totalFailures()).field("connect_failures", run.connectFailures())
                .endObject();
        j.name("transactions").beginArray();
        for (TypeResult t : run.types()) {
            TypeResult.Latency l = t.latency();
            j.beginObject().field("type", t.type()).field("committed", t.committed())
                    .field("rolled_back", t.rolledBack()).field("retries", t.retries())
                    .field("failures", t.failures());
            j.name("latency_ms").beginObject().field("count", l.count()).field("mean", l.mean())
                    .field("p50", l.p50()).field("p90", l.p90()).field("p95", l.p95()).field("p99", l.p99())
                    .field("p99_9", l.p999()).field("max", l.max()).endObject();
            j.endObject();
        }
        j.endArray();
        j.name("intervals").beginArray();
        for (Snapshot s : run.intervals()) {
            j.beginObject().field("elapsed_s", s.elapsedSeconds()).field("interval_s", s.intervalSeconds())
                    .field("tps", s.tps());
            j.name("tpmC").value(s.perMinute());
            j.field("lat_avg_ms", s.latencyAvgMs()).field("lat_p99_ms", s.latencyP99Ms())
                    .field("errors", s.errors()).field("retries", s.retries()).endObject();
        }
        j.endArray();
        j.name("events").beginArray();
        events.forEach(e -> j.beginObject().field("at_s", e.atSeconds()).field("kind", e.kind())
                .field("detail", e.detail()).endObject());
        j.endArray();
        j.name("storage").beginArray();
        storage.forEach(f -> j.beginObject().field("name", f.name()).field("value", f.value())
                .field("label", f.label()).endObject());
        j.endArray();
        j.name("checks").beginArray();
        checks.forEach(c -> j.beginObject().field("name", c.name()).field("passed", c.passed())
                .field("detail", c.detail()).endObject());
        j.endArray();
        j.name("failures_kept").beginArray();
        for (FailureInfo f : run.failuresKept()) {
            j.beginObject().field("type", f.type()).field("at_s", f.atSeconds()).field("sql_state", f.sqlState())
                    .field("message", f.message()).field("stack", f.stackTrace()).endObject();
        }
        j.endArray();
        j.field("passed", passed());
        return j.endObject().toString();
    }
}
