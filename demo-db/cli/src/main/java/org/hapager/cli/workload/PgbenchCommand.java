package org.hapager.cli.workload;

import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.hapager.workload.driver.Workload;
import org.hapager.workload.pgbench.PgbenchLoader;
import org.hapager.workload.pgbench.PgbenchSchema;
import org.hapager.workload.pgbench.Script;
import org.hapager.workload.pgbench.ScriptWorkload;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * What {@code hapager tpcb} and {@code hapager run} share: pgbench's tables, loaded at {@code -s} scale if
 * missing (or {@code -i}), and pgbench-format scripts run on them by weight.
 */
abstract class PgbenchCommand extends WorkloadCommand {

    @Option(names = {"-s", "--scale"}, paramLabel = "N", defaultValue = "1",
            description = "scale to load: N branches, 10N tellers, 100,000N accounts, as pgbench (default: ${DEFAULT-VALUE});"
                    + " a loaded database keeps its own")
    int scale;

    @Option(names = {"-i", "--init"}, description = "drop pgbench's tables if there are any and load afresh")
    boolean init;

    /** The scripts, parsed while the options are checked: a script error is bad usage. */
    private List<Script> scripts;

    /** The scripts to run, with their weights; throws {@code ScriptException} or {@link ParameterException}. */
    protected abstract List<Script> scripts();

    @Override
    protected final void validateOwnOptions() {
        if (scale < 1 || scale > 10_000) {
            throw new ParameterException(spec.commandLine(), "-s/--scale must be 1 to 10000, not " + scale);
        }
        try {
            scripts = scripts();
            new ScriptWorkload(scripts, 1); // the weights, checked once here
        } catch (RuntimeException e) {
            if (e instanceof ParameterException p) {
                throw p;
            }
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    @Override
    protected final Workload prepare(HikariDataSource ds, long seed, PrintWriter out, Map<String, String> config)
            throws Exception {
        int loadedScale;
        try (Connection c = ds.getConnection()) {
            List<String> tables = PgbenchSchema.existingTables(c);
            if (init && !tables.isEmpty()) {
                out.println("dropping pgbench's tables (--init)");
                PgbenchSchema.drop(c);
                tables = List.of();
            }
            if (!tables.isEmpty() && tables.size() < PgbenchSchema.TABLES.size()) {
                throw new SQLException("the database has only some of pgbench's tables (" + tables
                        + "): use --init to drop them and load afresh");
            }
            loadedScale = tables.isEmpty() ? 0 : PgbenchSchema.detectScale(c);
            c.commit();
        }
        if (loadedScale > 0) {
            out.printf(Locale.ROOT, "pgbench tables already loaded: scale %d%n", loadedScale);
        } else {
            out.printf(Locale.ROOT, "loading pgbench's tables at scale %d (%,d accounts)%n", scale,
                    (long) scale * PgbenchSchema.ACCOUNTS);
            load(ds, out, bar -> PgbenchLoader.createAndLoad(ds, scale, bar));
            loadedScale = scale;
        }
        config.put("scale", loadedScale + " (" + String.format(Locale.ROOT, "%,d", (long) loadedScale
                * PgbenchSchema.ACCOUNTS) + " accounts)");
        config.put("scripts", scripts.stream().map(s -> s.name() + "@" + s.weight()).collect(Collectors.joining(", ")));
        return new ScriptWorkload(scripts, loadedScale);
    }
}
