package org.hapager.cli.workload;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.hapager.workload.pgbench.Builtins;
import org.hapager.workload.pgbench.PgbenchChecks;
import org.hapager.workload.pgbench.Script;
import org.hapager.workload.pgbench.ScriptSpec;
import org.hapager.workload.result.CheckResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hapager tpcb}: pgbench's built-in TPC-B-like transaction (or its two variants), then the balance checks. */
@Command(name = "tpcb", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"pgbench's TPC-B-like transaction on any JDBC database (default: Derby on hapager, an embedded"
                + " pair of page servers): loads pgbench's four tables at -s scale if they are missing, runs the"
                + " builtin script on -c clients, then checks that the balances of accounts, tellers and branches"
                + " each add up to the history's deltas.",
            "Exit code 0 only if no transaction failed and every check held."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no transaction failed and the balances add up", "1:a transaction failed or a check did"
                + " not hold", "2:bad usage", "130:interrupted (Ctrl-C)"})
public final class TpcbCommand extends PgbenchCommand {

    @Option(names = {"-b", "--builtin"}, paramLabel = "NAME", defaultValue = Builtins.TPCB_LIKE,
            description = "tpcb-like, simple-update (no teller and branch updates) or select-only (default: ${DEFAULT-VALUE})")
    String builtin;

    @Option(names = "-N", description = "simple-update, as pgbench's -N")
    boolean simpleUpdate;

    @Option(names = "-S", description = "select-only, as pgbench's -S")
    boolean selectOnly;

    @Override
    protected String database() {
        return "pgbench";
    }

    @Override
    protected List<Script> scripts() {
        String name = selectOnly ? Builtins.SELECT_ONLY : simpleUpdate ? Builtins.SIMPLE_UPDATE : builtin;
        if (selectOnly && simpleUpdate) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "-N and -S exclude each other");
        }
        return List.of(ScriptSpec.builtin(name).load());
    }

    @Override
    protected List<CheckResult> check(Connection c) throws SQLException {
        return PgbenchChecks.check(c);
    }
}
