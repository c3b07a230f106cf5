package org.hapager.cli.workload;

import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.hapager.workload.driver.Workload;
import org.hapager.workload.result.CheckResult;
import org.hapager.workload.tpcc.NURandConstants;
import org.hapager.workload.tpcc.TpccScale;
import org.hapager.workload.tpcc.checks.ConsistencyChecks;
import org.hapager.workload.tpcc.driver.TpccWorkload;
import org.hapager.workload.tpcc.loader.LoadOptions;
import org.hapager.workload.tpcc.loader.TpccLoader;
import org.hapager.workload.tpcc.schema.TpccSchema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code hapager tpcc}: the TPC-C mix on any database. Loads TPC-C first if the database has no TPC-C
 * tables (or {@code --init}); afterwards checks consistency conditions 1-4.
 */
@Command(name = "tpcc", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"TPC-C on any JDBC database (default: Derby on hapager, an embedded pair of page servers):"
                + " loads the nine tables if they are missing, runs the five transactions in the standard mix on"
                + " -c clients without think times, then checks consistency conditions 1-4.",
            "Exit code 0 only if no transaction failed and every condition held."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no transaction failed and conditions 1-4 held", "1:a transaction failed or a condition"
                + " did not hold", "2:bad usage", "130:interrupted (Ctrl-C)"})
public final class TpccCommand extends WorkloadCommand {

    @Option(names = {"-w", "--warehouses"}, paramLabel = "W", defaultValue = "1",
            description = "warehouses to load, 1-100 (default: ${DEFAULT-VALUE}); a loaded database keeps its own")
    int warehouses;

    @Option(names = "--reduce", paramLabel = "FACTOR", defaultValue = "1",
            description = "load 1/FACTOR of the specification's items and customers (not TPC-C compliant; default:"
                    + " ${DEFAULT-VALUE}, the specification's 100,000 items and 3,000 customers per district)")
    int reduce;

    @Option(names = {"-i", "--init"}, description = "drop the TPC-C tables if there are any and load afresh")
    boolean init;

    @Override
    protected String database() {
        return "tpcc";
    }

    @Override
    protected void validateOwnOptions() {
        if (warehouses < 1 || warehouses > 100) {
            throw new ParameterException(spec.commandLine(), "-w/--warehouses must be 1 to 100, not " + warehouses);
        }
        if (reduce < 1 || reduce > 1000) {
            throw new ParameterException(spec.commandLine(), "--reduce must be 1 to 1000, not " + reduce);
        }
    }

    @Override
    protected Workload prepare(HikariDataSource ds, long seed, PrintWriter out, Map<String, String> config)
            throws Exception {
        TpccScale scale;
        boolean loaded;
        try (Connection c = ds.getConnection()) {
            List<String> tables = TpccSchema.existingTables(c);
            if (init && !tables.isEmpty()) {
                out.println("dropping the TPC-C tables (--init)");
                TpccSchema.drop(c);
                tables = List.of();
            }
            loaded = tables.size() == TpccSchema.TABLES.size();
            if (!tables.isEmpty() && !loaded) {
                throw new SQLException("the database has only some of the TPC-C tables (" + tables
                        + "): use --init to drop them and load afresh");
            }
            scale = loaded ? TpccScale.detect(c) : reduce == 1 ? TpccScale.spec(warehouses)
                    : TpccScale.reduced(warehouses, reduce);
            c.commit();
        }
        String scaleText = String.format(Locale.ROOT, "%d warehouse(s), %,d items, %,d customers per district%s",
                scale.warehouses(), scale.items(), scale.customersPerDistrict(),
                scale.isSpec() ? "" : ": REDUCED, not TPC-C compliant");
        if (loaded) {
            out.println("TPC-C already loaded: " + scaleText);
        } else {
            out.println("loading TPC-C: " + scaleText);
            load(ds, out, bar -> TpccLoader.createAndLoad(ds, scale, LoadOptions.defaults().withSeed(seed)
                    .withThreads(Math.min(2, scale.warehouses())), bar));
        }
        config.put("workload", "TPC-C, standard mix (45/43/4/4/4), 1 % New-Order rollbacks, 60 % by last name");
        config.put("scale", scaleText);
        NURandConstants constants = NURandConstants.forRun(new SplittableRandom(seed));
        return new TpccWorkload(scale, constants, 10);
    }

    @Override
    protected List<CheckResult> check(Connection c) throws SQLException {
        List<CheckResult> checks = new ArrayList<>();
        for (int n = 1; n <= ConsistencyChecks.CONDITIONS.size(); n++) {
            checks.add(ConsistencyChecks.asCheck(n, ConsistencyChecks.condition(n, c)));
            c.commit();
        }
        return checks;
    }
}
