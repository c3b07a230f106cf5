package org.hapager.cli.chaos;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hapager.cli.SharedOptions;
import org.hapager.cli.database.DerbySetup;
import org.hapager.cli.workload.Target;
import org.hapager.cli.workload.WorkloadPart;
import org.hapager.workload.result.CheckResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code hapager chaos-verify} (hidden): the second half of {@code hapager chaos}, run by it in a fresh JVM.
 * Boots the campaign's database on the same page servers (Derby's recovery runs, the pager starts with
 * nothing cached), runs the workload's checks, counts the {@link Ledger}'s tables, shuts Derby down, and
 * prints a machine-readable result, one fact per line, each starting with {@value #PREFIX}:
 * <pre>
 * chaos-verify: booted SECONDS
 * chaos-verify: ledger TABLE ROWS
 * chaos-verify: check pass|FAIL NAME&lt;TAB&gt;DETAIL
 * chaos-verify: end CHECKS-HELD/CHECKS
 * </pre>
 * or {@code chaos-verify: error MESSAGE} if it could not. Exit code 0 if every check held, 1 otherwise.
 */
@Command(name = "chaos-verify", hidden = true, description = "hapager chaos's check of the database in a fresh JVM")
public final class ChaosVerifyCommand implements Callable<Integer> {

    static final String PREFIX = "chaos-verify: ";

    @Spec
    CommandSpec spec;

    @Option(names = "--workload", required = true, converter = ChaosCommand.WorkloadConverter.class)
    ChaosCommand.WorkloadName workload;

    @Option(names = "--servers", required = true, split = ",")
    String[] servers;

    @Option(names = "--token-file", required = true)
    Path tokenFile;

    /** Required: where derby.log goes. */
    @Mixin
    SharedOptions.Data data;

    @Mixin
    SharedOptions.Lease lease;

    @Override
    public Integer call() {
        if (data.directory() == null) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--data=DIR'");
        }
        lease.validate(spec.commandLine());
        PrintWriter out = spec.commandLine().getOut();
        WorkloadPart part = workload == ChaosCommand.WorkloadName.TPCC ? WorkloadPart.tpcc(1, 1, spec.commandLine())
                : WorkloadPart.tpcb(1, spec.commandLine());
        String url = "jdbc:derby:hapager:" + Target.CLUSTER + "/" + part.database();
        try {
            Files.createDirectories(data.directory());
            DerbySetup.configure(data.directory());
            DerbySetup.register(Target.CLUSTER, address(servers[0]), address(servers[1]), tokenFile, lease.millis(),
                    new SimpleMeterRegistry());
            long t0 = System.nanoTime();
            List<CheckResult> checks;
            Map<String, Long> rows;
            try (Connection c = DriverManager.getConnection(url)) {
                out.printf(Locale.ROOT, PREFIX + "booted %.2f%n", (System.nanoTime() - t0) / 1e9);
                c.setAutoCommit(false);
                checks = part.check(c);
                rows = Ledger.of(workload).count(c);
                c.commit();
            }
            rows.forEach((table, n) -> out.println(PREFIX + "ledger " + table + " " + n));
            for (CheckResult r : checks) {
                out.println(PREFIX + "check " + (r.passed() ? "pass " : "FAIL ") + oneLine(r.name()) + "\t"
                        + oneLine(r.detail()));
            }
            long held = checks.stream().filter(CheckResult::passed).count();
            out.println(PREFIX + "end " + held + "/" + checks.size());
            out.flush();
            return held == checks.size() ? 0 : 1;
        } catch (Exception e) {
            out.println(PREFIX + "error " + oneLine(e.toString()));
            out.flush();
            return 1;
        } finally {
            DerbySetup.shutdown(url);
            DerbySetup.close(Target.CLUSTER);
        }
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
