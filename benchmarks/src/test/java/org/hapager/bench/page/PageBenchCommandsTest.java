package org.hapager.bench.page;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.hapager.cli.HapagerCli;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code hapager bench} and {@code hapager failover-bench} live here and join the {@code hapager} command from
 * the class path ({@link org.hapager.cli.AddedCommand}): found there, with their own defaults (a 500 ms lease,
 * the lease BENCHMARKS.md's failover figures are measured at, and a JSON file each, which is their result), and
 * the shared options' checks.
 */
class PageBenchCommandsTest {

    @Test
    void theHapagerCommandFindsBothOnItsClassPathAndListsThem() {
        CommandLine cl = HapagerCli.commandLine();
        assertTrue(cl.getSubcommands().get("bench").getCommand() instanceof PageIoBench);
        assertTrue(cl.getSubcommands().get("failover-bench").getCommand() instanceof FailoverBench);
        String help = cl.getUsageMessage();
        assertTrue(help.contains("bench") && help.contains("failover-bench"), help);
    }

    @Test
    void eachKeepsItsOwnDefaults() {
        assertEquals(500L, option("failover-bench", "--lease-ms"));
        assertEquals(Path.of("bench-results/failover.json"), option("failover-bench", "--json"));
        assertEquals(Path.of("bench-results/page-io.json"), option("bench", "--json"));
        String help = help("failover-bench");
        assertTrue(help.contains("(default: 500)") && help.contains("bench-results/failover.json unless --json"), help);
        assertTrue(help("bench").contains("bench-results/page-io.json unless --json"), help("bench"));
    }

    @Test
    void aLeaseOutOf100To10000MsIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cl = HapagerCli.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("failover-bench", "--lease-ms", "5"));
        assertEquals("hapager: --lease-ms must be 100 to 10000, not 5", err.toString().strip());
    }

    private static Object option(String command, String option) {
        CommandLine cl = HapagerCli.commandLine();
        cl.parseArgs(command);
        return cl.getSubcommands().get(command).getCommandSpec().findOption(option).getValue();
    }

    private static String help(String command) {
        return HapagerCli.commandLine().getSubcommands().get(command).getUsageMessage().replaceAll("\\s+", " ");
    }
}
