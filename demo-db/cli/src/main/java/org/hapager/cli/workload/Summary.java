package org.hapager.cli.workload;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.driver.FailureInfo;
import org.hapager.workload.driver.TypeResult;
import org.hapager.workload.result.CheckResult;

/** The lines every workload command (and the demo) prints at the end of a run. */
public final class Summary {

    private Summary() {
    }

    /** Throughput, then one line per transaction type: counts and latency percentiles. */
    public static void transactions(PrintWriter out, DriverResult r) {
        String rate = Double.isNaN(r.perMinute()) ? ""
                : String.format(Locale.ROOT, "%.1f tpmC (New-Orders committed per minute), ", r.perMinute());
        out.printf(Locale.ROOT, "%,d transactions in %.1f s: %s%.1f tps%n", r.totalCompleted(), r.durationSeconds(),
                rate, r.tps());
        out.println("  type           committed  rolled back  retries  failed    avg      p50      p90      p99      max (ms)");
        for (TypeResult x : r.types()) {
            TypeResult.Latency l = x.latency();
            out.printf(Locale.ROOT, "  %-13s %10d %12d %8d %7d %7.1f %8.1f %8.1f %8.1f %8.1f%n", x.type(), x.committed(),
                    x.rolledBack(), x.retries(), x.failures(), l.mean(), l.p50(), l.p90(), l.p99(), l.max());
        }
    }

    /** The first few failures kept, one line each. */
    public static void failures(PrintWriter out, List<FailureInfo> kept, int limit) {
        kept.stream().limit(limit).forEach(f -> out.printf(Locale.ROOT, "  at %.1f s, %s: %s (SQLState %s)%n",
                f.atSeconds(), f.type(), f.message(), f.sqlState()));
    }

    /** One line per check: holds, or what was found. */
    public static void checks(PrintWriter out, List<CheckResult> checks) {
        for (CheckResult c : checks) {
            out.printf(Locale.ROOT, "  %-64s %s%n", c.name() + ":", c.passed() ? "holds" : "VIOLATED: " + c.detail());
        }
    }
}
