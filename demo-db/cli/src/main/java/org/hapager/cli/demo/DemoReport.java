package org.hapager.cli.demo;

import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hapager.cli.workload.StorageWatch;
import org.hapager.cli.workload.Summary;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.driver.FailureInfo;
import org.hapager.workload.driver.Snapshot;
import org.hapager.workload.result.CheckResult;
import org.hapager.workload.tpcc.TpccScale;
import org.hapager.workload.tpcc.checks.ConsistencyChecks;
import org.hapager.workload.tpcc.checks.Violation;

/**
 * What {@code hapager demo} reports about its TPC-C run: the scale line, a progress line every second (with
 * the pager's failovers, reissues and serving server), TPC-C's consistency conditions 1-4, and the summary
 * that decides whether the demo passed. Used by the demo's thread only.
 */
final class DemoReport {

    private final PrintWriter out;
    private final StorageWatch watch;

    DemoReport(PrintWriter out, StorageWatch watch) {
        this.out = out;
        this.watch = watch;
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
        watch.poll(s.elapsedSeconds());
        out.println(s.format() + watch.progressSuffix());
        out.flush();
    }

    /** Conditions 1-4, one after the other; a condition that could not run is a failed check, not a pass. */
    List<CheckResult> checks(HikariDataSource ds) {
        List<CheckResult> all = new ArrayList<>();
        out.println("consistency (TPC-C clause 3.3.2):");
        try (Connection c = ds.getConnection()) {
            for (int i = 1; i <= ConsistencyChecks.CONDITIONS.size(); i++) {
                long t0 = System.nanoTime();
                List<Violation> v = ConsistencyChecks.condition(i, c);
                c.commit();
                String what = ConsistencyChecks.CONDITIONS.get(i - 1);
                all.add(ConsistencyChecks.asCheck(i, v));
                out.printf(Locale.ROOT, "  condition %d, %-52s %s (%.1f s)%n", i, what + ":",
                        v.isEmpty() ? "holds" : "VIOLATED in " + v.size() + " place(s)", secondsSince(t0));
                v.stream().limit(5).forEach(x -> out.println("    " + x));
            }
        } catch (SQLException | RuntimeException e) {
            out.println("  the checks could not run: " + e);
            all.add(new CheckResult("TPC-C conditions 1-4", false, "could not run: " + e));
        }
        return all;
    }

    boolean summary(DriverResult r, FaultInjector injector, List<CheckResult> checks, List<String> problems) {
        out.println();
        Summary.transactions(out, r);
        out.println("  (rolled back: New-Orders with an unused item, as the specification asks; retries: deadlock"
                + " victims and lock time-outs run again)");
        double stall = watch.longestStallSeconds();
        out.printf(Locale.ROOT, "page servers: %d fault(s) injected, %d failover(s), %d page request(s) reissued%s,"
                + " %d fenced, %d restarted%n", injector.injected(), watch.failovers(), watch.reissues(),
                stall == 0 ? "" : String.format(Locale.ROOT, ", longest stall %.2f s", stall),
                injector.fenced(), injector.restarted());
        long failed = r.totalFailures();
        List<FailureInfo> kept = r.failuresKept();
        long byIo = kept.stream().filter(DemoReport::causedByIo).count();
        out.printf(Locale.ROOT, "errors %d: failed transactions %d, failed by page I/O %d%s, reconnects failed %d%n",
                failed, failed - r.connectFailures(), byIo, kept.size() < failed ? " (of the first " + kept.size() + ")" : "",
                r.connectFailures());
        Summary.failures(out, kept, 3);
        problems.forEach(p -> out.println("fault injection: " + p));
        boolean checked = checks.stream().allMatch(CheckResult::passed);
        boolean ok = failed == 0 && checked && problems.isEmpty();
        if (ok) {
            out.printf(Locale.ROOT, "OK: no transaction failed and conditions 1-4 hold, through %d failover(s)%n",
                    watch.failovers());
        } else {
            List<String> why = new ArrayList<>();
            if (failed > 0) {
                why.add(failed + " transaction(s) failed");
            }
            if (!checked) {
                why.add("a consistency condition does not hold or could not be checked");
            }
            if (!problems.isEmpty()) {
                why.add("a fault did not go as planned");
            }
            out.println("FAILED: " + String.join(", ", why));
        }
        out.flush();
        return ok;
    }

    /** A failure whose causes include an I/O error (Derby wraps the storage engine's IOExceptions). */
    static boolean causedByIo(FailureInfo f) {
        String s = f.stackTrace() == null ? "" : f.stackTrace();
        return s.contains("IOException") || s.contains("PageIoException") || s.contains("org.hapager.");
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }
}
