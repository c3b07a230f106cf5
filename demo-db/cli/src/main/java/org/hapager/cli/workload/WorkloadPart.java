package org.hapager.cli.workload;

import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.hapager.workload.driver.Workload;
import org.hapager.workload.pgbench.Builtins;
import org.hapager.workload.result.CheckResult;
import picocli.CommandLine;

/**
 * The workload of {@code hapager tpcb} or {@code hapager tpcc} for a command that runs it under other
 * conditions ({@code hapager chaos}): the same database name, the same preparation (load if missing) and the
 * same checks afterwards, taken from the workload command itself rather than copied.
 *
 * <p>Used by one thread, except {@link #stopPreparing()}, which a shutdown hook may call.
 */
public final class WorkloadPart {

    private final WorkloadCommand command;

    private WorkloadPart(WorkloadCommand command) {
        this.command = command;
    }

    /**
     * {@code hapager tpcb -s scale} (the {@code tpcb-like} builtin); its options are checked now, a bad one is a
     * usage error of {@code cl}.
     */
    public static WorkloadPart tpcb(int scale, CommandLine cl) {
        TpcbCommand c = new TpcbCommand();
        c.scale = scale;
        c.builtin = Builtins.TPCB_LIKE;
        c.spec = cl.getCommandSpec();
        c.validateOwnOptions();
        return new WorkloadPart(c);
    }

    /** {@code hapager tpcc -w warehouses --reduce reduce}; its options are checked now, as for {@link #tpcb}. */
    public static WorkloadPart tpcc(int warehouses, int reduce, CommandLine cl) {
        TpccCommand c = new TpccCommand();
        c.warehouses = warehouses;
        c.reduce = reduce;
        c.spec = cl.getCommandSpec();
        c.validateOwnOptions();
        return new WorkloadPart(c);
    }

    /** The database's name, e.g. {@code pgbench}. */
    public String database() {
        return command.database();
    }

    /** Loads the tables if they are missing (printing progress) and returns the workload; describes it in {@code config}. */
    public Workload prepare(HikariDataSource ds, long seed, PrintWriter out, Map<String, String> config)
            throws Exception {
        return command.prepare(ds, seed, out, config);
    }

    /** The workload command's checks, on a quiet database; ends the connection's transaction. */
    public List<CheckResult> check(Connection c) throws SQLException {
        List<CheckResult> checks = command.check(c);
        if (!c.getAutoCommit()) {
            c.commit();
        }
        return checks;
    }

    /** Ctrl-C: a load under way stops. */
    public void stopPreparing() {
        command.stopPreparing();
    }
}
