package org.hapager.cli.demo;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.hapager.workload.tpcc.TpccScale;
import org.hapager.workload.tpcc.checks.ConsistencyChecks;
import org.hapager.workload.tpcc.checks.Violation;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.driver.FailureInfo;
import org.hapager.workload.driver.Snapshot;
import org.hapager.workload.driver.TypeResult;

/**
 * What {@code hapager demo} reports about its TPC-C run: the scale line, a progress line every second (with
 * the pager's failovers, reissues and serving server), TPC-C's consistency conditions 1-4, and the summary
 * that decides whether the demo passed.
 */
final class DemoReport {

    private final PrintWriter out;
    private final DemoServers servers;
    private final MeterRegistry registry;
    /** See {@link #longestStall}; the run's reporting thread only. */
    private double longestStallSeconds;

    DemoReport(PrintWriter out, DemoServers servers, MeterRegistry registry) {
        this.out = out;
        this.servers = servers;
        this.registry = registry;
    }

    static String scaleLine(TpccScale scale) {
        String w = scale.warehouses() + " warehouse" + (scale.warehouses() == 1 ? "" : "s");
        if (scale.isSpec()) {
            return String.format(Locale.ROOT, "scale: %s at the TPC-C specification's cardinalities (%,d items,"
                    + " %,d customers per district)", w, scale.items(), scale.customersPerDistrict());
        }
        return String.format(Locale.ROOT, "scale: %s, REDUCED to 1/%d of the specification's items and customers"
                + " (%,d items, %,d customers per district): not TPC-C compliant; --spec-scale loads the full size",
                w, 100_000 / scale.items(), scale.items(), scale.customersPerDistrict());
    }

    void progress(Snapshot s) {
        longestStall();
        out.println(s.format() + String.format(Locale.ROOT, ", failovers %d, reissues %d, server %s",
                count(registry, "hapager.pager.failovers"), count(registry, "hapager.pager.reissues"),
                servers.servingName(registry)));
        out.flush();
    }

    /** Conditions 1-4, one after the other; a condition that could not run is an error, not a pass. */
    record Checks(List<List<Violation>> violations, String error) {
        boolean passed() {
            return error == null && violations.stream().allMatch(List::isEmpty);
        }
    }

    Checks checks(HikariDataSource ds) {
        List<List<Violation>> all = new ArrayList<>();
        out.println("consistency (TPC-C clause 3.3.2):");
        try (Connection c = ds.getConnection()) {
            for (int i = 1; i <= 4; i++) {
                long t0 = System.nanoTime();
                List<Violation> v = ConsistencyChecks.condition(i, c);
                c.commit();
                all.add(v);
                out.printf(Locale.ROOT, "  condition %d, %-52s %s (%.1f s)%n", i, ConsistencyChecks.CONDITIONS.get(i - 1) + ":",
                        v.isEmpty() ? "holds" : "VIOLATED in " + v.size() + " place(s)", secondsSince(t0));
                v.stream().limit(5).forEach(x -> out.println("    " + x));
            }
            return new Checks(all, null);
        } catch (SQLException | RuntimeException e) {
            out.println("  the checks could not run: " + e);
            return new Checks(all, e.toString());
        }
    }

    boolean summary(DriverResult r, FaultInjector injector, Checks checks, List<String> problems) {
        out.println();
        out.printf(Locale.ROOT, "%,d transactions in %.1f s: %.1f tpmC (New-Orders committed per minute), %.1f tps%n",
                r.totalCompleted(), r.durationSeconds(), r.perMinute(), r.tps());
        out.println("  type           committed  rolled back  retries  failed    avg      p50      p90      p99      max (ms)");
        for (TypeResult x : r.types()) {
            TypeResult.Latency l = x.latency();
            out.printf(Locale.ROOT, "  %-13s %10d %12d %8d %7d %7.1f %8.1f %8.1f %8.1f %8.1f%n", x.type(), x.committed(),
                    x.rolledBack(), x.retries(), x.failures(), l.mean(), l.p50(), l.p90(), l.p99(), l.max());
        }
        out.println("  (rolled back: New-Orders with an unused item, as the specification asks; retries: deadlock"
                + " victims and lock time-outs run again)");
        long failovers = count(registry, "hapager.pager.failovers");
        long reissues = count(registry, "hapager.pager.reissues");
        double stall = longestStall();
        out.printf(Locale.ROOT, "page servers: %d fault(s) injected, %d failover(s), %d page request(s) reissued%s,"
                + " %d fenced, %d restarted%n", injector.injected(), failovers, reissues,
                stall == 0 ? "" : String.format(Locale.ROOT, ", longest stall %.2f s", stall),
                injector.fenced(), injector.restarted());
        long failed = r.totalFailures();
        List<FailureInfo> kept = r.failuresKept();
        long byIo = kept.stream().filter(DemoReport::causedByIo).count();
        out.printf(Locale.ROOT, "errors %d: failed transactions %d, failed by page I/O %d%s, reconnects failed %d%n",
                failed, failed - r.connectFailures(), byIo, kept.size() < failed ? " (of the first " + kept.size() + ")" : "",
                r.connectFailures());
        kept.stream().limit(3).forEach(f -> out.printf(Locale.ROOT, "  at %.1f s, %s: %s (SQLState %s)%n",
                f.atSeconds(), f.type(), f.message(), f.sqlState()));
        problems.forEach(p -> out.println("fault injection: " + p));
        boolean ok = failed == 0 && checks.passed() && problems.isEmpty();
        if (ok) {
            out.printf(Locale.ROOT, "OK: no transaction failed and conditions 1-4 hold, through %d failover(s)%n", failovers);
        } else {
            List<String> why = new ArrayList<>();
            if (failed > 0) {
                why.add(failed + " transaction(s) failed");
            }
            if (!checks.passed()) {
                why.add(checks.error() != null ? "the consistency checks could not run" : "a consistency condition is violated");
            }
            if (!problems.isEmpty()) {
                why.add("a fault did not go as planned");
            }
            out.println("FAILED: " + String.join(", ", why));
        }
        out.flush();
        return ok;
    }

    /**
     * The longest failover stall so far (loss of a server to the first completion of a reissued request), in
     * seconds. Micrometer's timer max forgets an event after a couple of minutes, so it is read with every
     * progress line and the largest value kept.
     */
    private double longestStall() {
        Timer t = registry.find("hapager.pager.failover.stall").timer();
        if (t != null) {
            longestStallSeconds = Math.max(longestStallSeconds, t.max(TimeUnit.SECONDS));
        }
        return longestStallSeconds;
    }

    /** A failure whose causes include an I/O error (Derby wraps the storage engine's IOExceptions). */
    static boolean causedByIo(FailureInfo f) {
        String s = f.stackTrace() == null ? "" : f.stackTrace();
        return s.contains("IOException") || s.contains("PageIoException") || s.contains("org.hapager.");
    }

    static long count(MeterRegistry registry, String name) {
        return Math.round(registry.find(name).counters().stream().mapToDouble(c -> c.count()).sum());
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }
}
