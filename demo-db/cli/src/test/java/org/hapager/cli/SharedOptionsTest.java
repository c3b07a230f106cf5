package org.hapager.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import picocli.CommandLine;

/**
 * The defaults of the {@link SharedOptions} that differ between commands, each command's own, so that none
 * drifts: the value a command gets when the option is not given, and what its {@code --help} says of it. The
 * benchmarks' commands are checked where they live, in the benchmarks module ({@code PageBenchCommandsTest}).
 */
class SharedOptionsTest {

    /** Command, option, and the value the command gets without it (null: none). */
    private static final Object[][] DEFAULTS = {
        // --lease-ms: 1000 where Derby runs on the pager, 500 in the page-level commands
        {"demo", "--lease-ms", 1000L},
        {"tpcc", "--lease-ms", 1000L},
        {"tpcb", "--lease-ms", 1000L},
        {"run", "--lease-ms", 1000L},
        {"chaos", "--lease-ms", 1000L},
        {"chaos-verify", "--lease-ms", 1000L},
        {"page-demo", "--lease-ms", 500L},
        // --report: demo and chaos always write one, the other workload commands when asked
        {"demo", "--report", Path.of("hapager-demo-report.html")},
        {"chaos", "--report", Path.of("hapager-chaos-report.html")},
        {"tpcc", "--report", null},
        {"tpcb", "--report", null},
        {"run", "--report", null},
        // --json: the runs write one when asked (the benchmarks always write theirs: PageBenchCommandsTest)
        {"demo", "--json", null},
        {"tpcc", "--json", null},
        {"tpcb", "--json", null},
        {"run", "--json", null},
        {"chaos", "--json", null},
    };

    /** Command, and two pieces of its --help in this order, with no other option between: how it states a default. */
    private static final String[][] HELP = {
        {"demo", "--lease-ms=MS", "(default: 1000)"},
        {"tpcc", "--lease-ms=MS", "(default: 1000)"},
        {"page-demo", "--lease-ms=MS", "(default: 500)"},
        {"demo", "hapager-demo-report.html", "unless --report"},
        {"chaos", "--report to", "hapager-chaos-report.html"},
    };

    /** The options chaos-verify (hidden, run by chaos) cannot do without. */
    private static final List<String> CHAOS_VERIFY_REQUIRED = List.of("--workload", "tpcb", "--servers",
            "127.0.0.1:1,127.0.0.1:2", "--token-file", "token");

    @Test
    void eachCommandGetsItsOwnDefault() {
        assertAll(Arrays.stream(DEFAULTS).<Executable>map(row -> () -> {
            String command = (String) row[0];
            String option = (String) row[1];
            CommandLine cl = HapagerCli.commandLine();
            List<String> args = new ArrayList<>(List.of(command));
            if (command.equals("chaos-verify")) {
                args.addAll(CHAOS_VERIFY_REQUIRED);
            }
            cl.parseArgs(args.toArray(String[]::new));
            Object value = cl.getSubcommands().get(command).getCommandSpec().findOption(option).getValue();
            assertEquals(row[2], value, command + " " + option);
        }));
    }

    @Test
    void eachCommandsHelpStatesItsDefault() {
        assertAll(Arrays.stream(HELP).<Executable>map(row -> () -> {
            StringBuilder out = new StringBuilder();
            assertEquals(0, InProcess.execute(out, new StringWriter(), row[0], "--help"));
            String help = out.toString().replaceAll("\\s+", " "); // as it wraps
            boolean found = false;
            for (int at = help.indexOf(row[1]); at >= 0 && !found; at = help.indexOf(row[1], at + 1)) {
                int then = help.indexOf(row[2], at + row[1].length());
                found = then > 0 && !help.substring(at + row[1].length(), then).contains(" --");
            }
            assertTrue(found, row[0] + " --help: '" + row[1] + "' then '" + row[2] + "' in\n" + out);
        }));
    }

    @Test
    void aLeaseOutOf100To10000MsIsAUsageErrorInEveryCommand() {
        List<String[]> tooShort = List.<String[]>of(new String[] {"--lease-ms", "5"});
        assertAll(List.of("demo", "tpcc", "chaos", "page-demo").stream()
                .<Executable>map(command -> () -> InProcess.assertUsageErrors(command, tooShort)));
    }
}
