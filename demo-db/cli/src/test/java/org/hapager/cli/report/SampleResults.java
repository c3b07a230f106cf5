package org.hapager.cli.report;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.driver.FailureInfo;
import org.hapager.workload.driver.Snapshot;
import org.hapager.workload.driver.TypeResult;
import org.hapager.workload.result.CheckResult;
import org.hapager.workload.result.RunEvent;
import org.hapager.workload.result.StorageFigure;
import org.hapager.workload.result.WorkloadResult;

/** Results for the report tests: a realistic TPC-C run with faults, and a run too short for any interval. */
final class SampleResults {

    static final String HOSTILE = "</script><script>document.body.dataset.pwned='1'</script>"
            + "<img src=x onerror=\"document.body.dataset.pwned='2'\"> & 'quotes' \"too\" \u2028 <!-- --> ]]>";

    private SampleResults() {
    }

    /**
     * 30 s of TPC-C with 8 clients: the serving page server killed (-9) at 8 s and the client failing over at
     * 8.6 s, the new one frozen (SIGSTOP) from 17 s to 20 s and fenced, the killed one restarted at 24 s.
     */
    static WorkloadResult tpccLike() {
        Random rnd = new Random(42);
        List<Snapshot> intervals = new ArrayList<>();
        long totalErrors = 0;
        long totalRetries = 0;
        for (int i = 1; i <= 30; i++) {
            double base = 95 + rnd.nextGaussian() * 6;
            double tps;
            double avg;
            double p99;
            if (i == 9) {
                tps = 31;
                avg = 212;
                p99 = 640;
            } else if (i >= 18 && i <= 20) {
                tps = i == 18 ? 22 : 0;
                avg = i == 18 ? 180 : 0;
                p99 = i == 18 ? 1020 : 0;
            } else if (i == 21) {
                tps = 61;
                avg = 310;
                p99 = 3140;
            } else {
                tps = base;
                avg = 78 + rnd.nextGaussian() * 5;
                p99 = 190 + Math.abs(rnd.nextGaussian()) * 40;
            }
            long retries = rnd.nextInt(10) < 2 ? 1 : 0;
            totalRetries += retries;
            intervals.add(new Snapshot(i, 1.0, tps * (0.42 + rnd.nextDouble() * 0.08) * 60, tps, avg, p99, 0, retries, totalErrors, totalRetries));
        }
        List<TypeResult> types = List.of(
                new TypeResult("new_order", 1187, 12, 9, 0, new TypeResult.Latency(1199, 88.4, 71.2, 142.8, 181.5,
                        402.7, 2950.3, 3144.9)),
                new TypeResult("payment", 1143, 0, 3, 0, new TypeResult.Latency(1143, 52.1, 40.3, 88.6, 110.2, 295.4,
                        1880.0, 2210.6)),
                new TypeResult("order_status", 106, 0, 0, 0, new TypeResult.Latency(106, 12.8, 9.9, 21.4, 28.8, 61.0,
                        88.2, 88.2)),
                new TypeResult("delivery", 105, 0, 1, 0, new TypeResult.Latency(105, 210.6, 180.4, 340.9, 420.3,
                        1210.8, 3010.4, 3010.4)),
                new TypeResult("stock_level", 104, 0, 0, 0, new TypeResult.Latency(104, 31.2, 26.0, 55.7, 66.1, 140.9,
                        201.4, 201.4)));
        DriverResult run = new DriverResult("tpcc", Instant.parse("2025-06-02T09:14:03Z"), 30.02, 8, types, 0,
                List.of(), 0, intervals);
        Map<String, String> config = new LinkedHashMap<>();
        config.put("url", "jdbc:derby:hapager:tpcc;create=true");
        config.put("storage", "hapager, 2 page servers (127.0.0.1:27145, 127.0.0.1:27146), replication 2");
        config.put("warehouses", "2");
        config.put("clients", "8");
        config.put("duration", "30 s");
        config.put("buffer pool", "4096 pages of 4 KiB");
        config.put("seed", "42");
        config.put("faults", "kill9@8s, sigstop@17s for 3s, restart@24s");
        List<StorageFigure> storage = List.of(
                new StorageFigure("pool_hit_ratio", 0.9731, "buffer-pool hit ratio"),
                new StorageFigure("page_reads", 48_213, "pages read from the page servers"),
                new StorageFigure("page_writes", 131_877, "pages written to the page servers"),
                new StorageFigure("reissues", 342, "page requests reissued to another server"),
                new StorageFigure("failovers", 2, "failovers seen by the pager"),
                new StorageFigure("failover_stall_max_s", 3.214, "longest stall of a request across a failover"));
        List<RunEvent> events = List.of(
                new RunEvent(8.0, "kill9", "kill -9 of 127.0.0.1:27145 (pid 4242), the serving page server"),
                new RunEvent(8.62, "failover", "pager moved to 127.0.0.1:27146 after 0.62 s"),
                new RunEvent(17.0, "sigstop", "SIGSTOP to 127.0.0.1:27146 (pid 4243) for 3 s"),
                new RunEvent(20.0, "sigcont", "SIGCONT to 127.0.0.1:27146 (pid 4243)"),
                new RunEvent(20.1, "fenced", "127.0.0.1:27146 fenced: its lease ran out while frozen"),
                new RunEvent(24.0, "restart", "127.0.0.1:27145 restarted (pid 4301), resynchronised"));
        List<CheckResult> checks = List.of(
                new CheckResult("condition 1: W_YTD = sum(D_YTD)", true, ""),
                new CheckResult("condition 2: D_NEXT_O_ID - 1 = max(O_ID) = max(NO_O_ID)", true, ""),
                new CheckResult("condition 3: max(NO_O_ID) - min(NO_O_ID) + 1 = rows in NEW_ORDER", true, ""),
                new CheckResult("condition 4: sum(O_OL_CNT) = rows in ORDER_LINE", true, ""));
        return new WorkloadResult(run, config, storage, events, checks);
    }

    /** A pgbench-like script run of 0.4 s: no interval, no per-minute rate, one failure, one event. */
    static WorkloadResult noIntervals() {
        List<TypeResult> types = List.of(new TypeResult("script", 37, 0, 0, 1,
                new TypeResult.Latency(37, 9.5, 8.1, 14.2, 16.0, 22.3, 22.3, 22.3)));
        DriverResult run = new DriverResult("script", Instant.parse("2025-06-02T10:00:00Z"), 0.4, 1, types, -1,
                List.of(new FailureInfo("script", 0.31, "08006", "java.sql.SQLException: connection lost",
                        "java.sql.SQLException: connection lost\n\tat a.b.C.d(C.java:1)")), 0, List.of());
        return new WorkloadResult(run, Map.of("script", "select 1"), List.of(),
                List.of(new RunEvent(0.2, "kill9", "kill -9 of 127.0.0.1:27145")), List.of());
    }

    /** {@link #noIntervals()} with {@link #HOSTILE} in every string a person or a server could have chosen. */
    static WorkloadResult hostile() {
        WorkloadResult r = noIntervals();
        DriverResult d = r.run();
        TypeResult t = d.types().get(0);
        DriverResult run = new DriverResult(d.workload(), d.startedAt(), d.durationSeconds(), d.clients(),
                List.of(new TypeResult(HOSTILE, t.committed(), t.rolledBack(), t.retries(), t.failures(), t.latency())),
                -1, List.of(new FailureInfo(HOSTILE, 0.3, HOSTILE, HOSTILE, HOSTILE)), 0, List.of(
                        new Snapshot(0.25, 0.25, Double.NaN, 40, 9, 20, 1, 0, 1, 0)));
        Map<String, String> config = new LinkedHashMap<>();
        config.put(HOSTILE, HOSTILE);
        config.put("url", "jdbc:derby:x;a=1&b=2 \"q\" 'q'");
        return new WorkloadResult(run, config, List.of(new StorageFigure("x_ratio", 0.5, HOSTILE)),
                List.of(new RunEvent(0.1, HOSTILE, HOSTILE)), List.of(new CheckResult(HOSTILE, false, HOSTILE)));
    }
}
