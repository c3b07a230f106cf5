package org.hapager.cli.workload;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.hapager.workload.pgbench.PgbenchChecks;
import org.hapager.workload.pgbench.Script;
import org.hapager.workload.pgbench.ScriptSpec;
import org.hapager.workload.result.CheckResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code hapager run -f script.sql}: custom scripts in pgbench's format, by weight. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Custom scripts in pgbench's format on any JDBC database (default: Derby on hapager, an embedded"
                + " pair of page servers): -f FILE[@WEIGHT] and -b BUILTIN[@WEIGHT], several of each, each"
                + " transaction picking a script by weight. \\set with random, random_zipfian, random_exponential"
                + " (and pgbench's other functions), :var in SQL, \\sleep; anything else is an error naming the file"
                + " and line. pgbench's tables are loaded at -s scale if missing; :scale is their scale.",
            "Examples ship in demo-db/workloads/scripts/.",
            "Exit code 0 only if no transaction failed (and, with --check, the balances add up)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no transaction failed (and the checks held)", "1:a transaction failed or a check did not hold",
                "2:bad usage, or a script that does not parse", "130:interrupted (Ctrl-C)"})
public final class RunCommand extends PgbenchCommand {

    @Option(names = {"-f", "--file"}, paramLabel = "FILE[@W]", description = "a script file, with an optional weight (default 1)")
    List<String> files = new ArrayList<>();

    @Option(names = {"-b", "--builtin"}, paramLabel = "NAME[@W]",
            description = "a builtin script: tpcb-like, simple-update or select-only, with an optional weight")
    List<String> builtins = new ArrayList<>();

    @Option(names = "--check", description = "after the run, check that the balances add up to the history's deltas"
            + " (for scripts that keep pgbench_history as tpcb-like does)")
    boolean check;

    @Override
    protected String database() {
        return "pgbench";
    }

    @Override
    protected List<Script> scripts() {
        if (files.isEmpty() && builtins.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "name a script: -f FILE[@WEIGHT] or -b BUILTIN[@WEIGHT]");
        }
        List<ScriptSpec> specs = new ArrayList<>();
        files.forEach(f -> specs.add(ScriptSpec.parse(f)));
        builtins.forEach(b -> specs.add(ScriptSpec.builtin(b)));
        return ScriptSpec.loadAll(specs);
    }

    @Override
    protected List<CheckResult> check(Connection c) throws SQLException {
        return check ? PgbenchChecks.check(c) : List.of();
    }
}
