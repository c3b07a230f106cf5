package org.hapager.workload.tpcc.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.driver.TypeResult;
import org.hapager.workload.result.CheckResult;
import org.hapager.workload.tpcc.NURandConstants;
import org.hapager.workload.tpcc.TpccScale;
import org.hapager.workload.tpcc.checks.ConsistencyChecks;
import org.hapager.workload.tpcc.checks.Violation;
import org.hapager.workload.tpcc.transactions.TransactionType;

/**
 * What a {@link TpccRun} measured and found: the driver's result, the scale and inputs, and consistency
 * conditions 1-4. As JSON it is a {@link org.hapager.workload.result.WorkloadResult} with
 * {@link #checkResults()} as its checks.
 *
 * @param consistencyError why the checks could not run, if they could not
 */
public record TpccResult(DriverResult run, TpccScale scale, long seed, NURandConstants constants,
        boolean consistencyChecked, List<Violation> violations, String consistencyError) {

    public TpccResult {
        violations = List.copyOf(violations);
    }

    public TypeResult of(TransactionType type) {
        return run.type(type.tag());
    }

    /** Committed New-Orders per minute over the whole run. */
    public double tpmC() {
        return run.perMinute();
    }

    /** The consistency checks ran and found nothing. */
    public boolean consistent() {
        return consistencyChecked && consistencyError == null && violations.isEmpty();
    }

    /** No failure, and the database is consistent. */
    public boolean passed() {
        return run.totalFailures() == 0 && consistent();
    }

    /** Conditions 1-4 as checks, each with its violations; empty if they were not checked. */
    public List<CheckResult> checkResults() {
        List<CheckResult> checks = new ArrayList<>();
        if (!consistencyChecked) {
            return checks;
        }
        for (int n = 1; n <= ConsistencyChecks.CONDITIONS.size(); n++) {
            int condition = n;
            checks.add(consistencyError != null
                    ? new CheckResult("TPC-C condition " + n + ": " + ConsistencyChecks.CONDITIONS.get(n - 1), false,
                            "could not be checked: " + consistencyError)
                    : ConsistencyChecks.asCheck(n, violations.stream().filter(v -> v.condition() == condition).toList()));
        }
        return checks;
    }

    /** A few lines for a person: throughput, each type's counts and latency, consistency. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%d transactions in %.1f s: %.1f tpmC, %.1f tps;"
                + " retries %d, failures %d%n", run.totalCompleted(), run.durationSeconds(), tpmC(), run.tps(),
                run.totalRetries(), run.totalFailures()));
        for (TypeResult r : run.types()) {
            sb.append(String.format(Locale.ROOT, "  %-12s committed %7d  rolled back %5d  retries %4d"
                    + "  failures %4d  lat avg %8.2f ms  p99 %8.2f ms%n", r.type(), r.committed(), r.rolledBack(),
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
