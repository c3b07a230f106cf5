package org.hapager.cli.chaos;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hapager.cli.InProcess;
import org.hapager.cli.workload.ResultSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hapager chaos} in-process, shortened: TPC-C at 1/100 of the specification's items and customers on
 * two clients for 15 s or until 4 faults are injected (a page server's start takes 2 s on a quiet 2-core
 * machine, 15 s on a busy one), real page-server processes hurt on the schedule of seed 145, whose first
 * round is a restart with requests in flight, both servers down, a kill -9 and a SIGSTOP, all short (see
 * {@link FaultScheduleTest}); then the checks, the ledger, and the fresh JVM that boots the database again.
 * And its refusals of bad options.
 */
class ChaosCommandTest {

    /** The final line, its counts captured: faults by kind, failovers, transactions, checks. */
    private static final Pattern FINAL = Pattern.compile("(PASSED|FAILED): chaos tpcc 15s: (\\d+) faults \\(kill -9 (\\d+),"
            + " SIGSTOP (\\d+), both-down (\\d+), restart (\\d+)\\), (\\d+) failovers, (\\d+) reissues, longest stall (\\d+)"
            + " ms, (\\d+) transactions, (\\d+) failed, checks (\\d+)/(\\d+) OK, recovery checks (\\d+)/(\\d+) OK, report: (.+)");

    @TempDir
    Path dir;

    @Test
    void aShortCampaignWithEveryKindOfFaultPassesItsChecksBeforeAndAfterRecovery() throws Exception {
        Path json = dir.resolve("chaos.json");
        Path report = dir.resolve("chaos.html");
        StringBuilder out = new StringBuilder();
        StringWriter err = new StringWriter();
        int rc = InProcess.execute(out, err, "chaos", "--workload", "tpcc", "--reduce", "100", "-c", "2",
                "--duration", "15", "--min-faults", "4", "--seed", "145", "--fault-interval", "0.2s", "--data", dir.resolve("d").toString(),
                "--json", json.toString(), "--report", report.toString());
        String text = out.toString();
        String all = text + "\n---- stderr\n" + err;
        assertEquals(0, rc, all);
        String last = text.lines().filter(l -> l.startsWith("PASSED: ") || l.startsWith("FAILED: ")).reduce((a, b) -> b)
                .orElse("");
        Matcher m = FINAL.matcher(last);
        assertTrue(m.matches(), "final line: " + last + "\n" + all);
        int faults = Integer.parseInt(m.group(2));
        int[] byKind = {Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
            Integer.parseInt(m.group(6))};
        assertAll(
                () -> assertEquals("PASSED", m.group(1), last),
                () -> assertEquals(faults, byKind[0] + byKind[1] + byKind[2] + byKind[3], last),
                () -> assertTrue(byKind[0] >= 1 && byKind[1] >= 1 && byKind[2] >= 1 && byKind[3] >= 1,
                        "every kind at least once: " + last),
                () -> assertTrue(Integer.parseInt(m.group(7)) >= 1, "failovers: " + last),
                () -> assertTrue(Long.parseLong(m.group(10)) > 0, "transactions: " + last),
                () -> assertEquals("0", m.group(11), last),
                () -> assertEquals(m.group(12), m.group(13), last),
                () -> assertEquals(m.group(14), m.group(15), last),
                () -> assertTrue(Integer.parseInt(m.group(15)) >= 6, "4 conditions and 2 ledger rows after recovery: " + last),
                () -> assertEquals(report.toAbsolutePath().toString(), m.group(16)),
                // the schedule is printed (and replays: FaultScheduleTest), a line per fault, progress lines
                () -> assertTrue(text.contains("seed 145 (replay: --seed 145)")
                        && text.contains("schedule: #1 +0.18s restart serving, #2 +0.60s both-down 0.97s,"
                                + " #3 +0.18s kill other 0.95s, #4 +0.02s stop other 0.55s"), all),
                () -> assertTrue(text.contains("#1 SIGTERM of the serving page server")
                        && text.contains("#2 kill -9 of both page servers") && text.contains("#3 kill -9 of the standby")
                        && text.contains("#4 SIGSTOP of the standby"), all),
                () -> assertTrue(text.lines().anyMatch(l -> l.startsWith("progress: ") && l.contains(", faults ")), all),
                () -> assertTrue(text.contains("nothing acknowledged missing: rows added to orders = new_order commits: holds")
                        && text.contains("nothing acknowledged missing: rows added to history = payment commits: holds"), all),
                () -> assertTrue(text.contains("after recovery: rows of orders = before the restart:"), all));
        String result = Files.readString(json);
        ResultSchema.assertValid(result);
        assertAll(
                () -> assertTrue(result.contains("\"passed\":true"), result),
                () -> assertTrue(result.contains("\"kind\":\"both_down\"") && result.contains("\"kind\":\"sigterm\"")
                        && result.contains("\"kind\":\"kill9\"") && result.contains("\"kind\":\"sigstop\"")
                        && result.contains("\"kind\":\"restart\""), result),
                () -> assertTrue(result.contains("\"fault_schedule\":\"#1 +0.18s restart serving, #2 +0.60s both-down"),
                        result),
                () -> assertTrue(result.contains("\"name\":\"after recovery: "), result));
        String page = Files.readString(report);
        assertTrue(page.contains("both_down") && page.contains("sigterm"), "the report marks every fault");
    }

    @Test
    void badOptionsAreOneLineErrorsWithExitCodeTwo() {
        List<String[]> bad = List.of(
                new String[] {"--faults", "kill,explode"},
                new String[] {"--faults", ""},
                new String[] {"--fault-interval", "0"},
                new String[] {"--fault-interval", "soon"},
                new String[] {"--workload", "tpcd"},
                new String[] {"--duration", "0"},
                new String[] {"-t", "100"},
                new String[] {"--servers", "127.0.0.1:1,127.0.0.1:2", "--token-file", "pom.xml"},
                new String[] {"--storage", "disk"},
                new String[] {"--url", "jdbc:derby:memory:x"},
                new String[] {"-w", "2"},
                new String[] {"--workload", "tpcc", "-s", "2"},
                new String[] {"--workload", "tpcc", "-w", "0"},
                new String[] {"-s", "0"},
                new String[] {"-c", "0"},
                new String[] {"--min-faults", "-1"});
        InProcess.assertUsageErrors("chaos", bad);
        StringWriter err = new StringWriter();
        InProcess.execute(new StringBuilder(), err, "chaos", "--faults", "kill,explode");
        assertEquals("hapager: --faults: 'explode' is not a fault kind (expected: kill, stop, both-down, restart)",
                err.toString().strip());
    }
}
