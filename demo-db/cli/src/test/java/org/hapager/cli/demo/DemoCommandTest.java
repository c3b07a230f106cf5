package org.hapager.cli.demo;

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
 * {@code hapager demo} in-process, shortened: TPC-C at 1/100 of the specification's items and customers, two
 * terminals for 22 s, the serving page server killed at 3 s and the next one frozen at 10 s (real child
 * processes, as in the command); and its refusals of bad options.
 */
class DemoCommandTest {

    @TempDir
    Path dir;

    @Test
    void tpccRunsThroughKillNineAndSigstopWithNoFailureAndConsistentData() throws Exception {
        StringBuilder out = new StringBuilder();
        StringWriter err = new StringWriter();
        Path json = dir.resolve("demo.json");
        Path report = dir.resolve("demo.html");
        int rc = InProcess.execute(out, err, "demo", "--reduce", "100", "--terminals", "2", "--duration", "22",
                "--fault", "kill9@3s,sigstop@10s+3s", "--seed", "7", "--data", dir.toString(), "--json", json.toString(),
                "--report", report.toString());
        String text = out.toString();
        String all = text + "\n---- stderr\n" + err;
        assertEquals(0, rc, all);
        Matcher failovers = Pattern.compile("(\\d+) failover\\(s\\), (\\d+) page request\\(s\\) reissued").matcher(text);
        assertTrue(failovers.find(), all);
        long progressLines = text.lines().filter(l -> l.startsWith("progress: ")).count();
        assertAll(
                () -> assertTrue(text.contains(">>> ") && text.contains("kill -9 of the serving page server"), all),
                () -> assertTrue(text.contains("SIGSTOP of the serving page server"), all),
                () -> assertTrue(text.contains("was fenced (killed"), all),
                () -> assertTrue(count(text, "restarted 127.0.0.1:") >= 1, all), // the second may be cut by the end
                () -> assertTrue(Integer.parseInt(failovers.group(1)) >= 2, "failovers: " + failovers.group(0)),
                () -> assertTrue(progressLines >= 15, progressLines + " progress lines\n" + all),
                () -> assertTrue(text.contains("errors 0: failed transactions 0, failed by page I/O 0"), all),
                () -> assertEquals(4, count(text, "holds ("), all),
                () -> assertTrue(text.contains("OK: no transaction failed and conditions 1-4 hold"), all),
                () -> assertTrue(text.contains("scale: 1 warehouse, REDUCED"), all),
                () -> assertTrue(text.contains("PASSED: TPC-C 1 warehouse, 2 terminals, 22s: ")
                        && text.contains(" 2 fault(s) (kill -9 at 3 s, SIGSTOP at 10 s), 0 failed transaction(s), ")
                        && text.contains("consistency 4/4 OK, report: " + report.toAbsolutePath()), all),
                () -> assertTrue(Files.readString(report).contains("\"kind\":\"kill9\""), "the report's events"));
        String result = Files.readString(json);
        ResultSchema.assertValid(result);
        assertTrue(result.contains("\"kind\":\"sigstop\"") && result.contains("\"kind\":\"failover\"")
                && result.contains("{\"name\":\"reissues\""), result);
    }

    @Test
    void badOptionsAreOneLineErrorsWithExitCodeTwo() {
        List<String[]> bad = List.of(
                new String[] {"--duration", "soon"},
                new String[] {"--duration", "0"},
                new String[] {"--terminals", "0"},
                new String[] {"--terminals", "many"},
                new String[] {"--warehouses", "0"},
                new String[] {"--fault", "kill9@70s"},
                new String[] {"--fault", "explode@3s"},
                new String[] {"--fault", "kill9"},
                new String[] {"--fault", "sigstop@abc"},
                new String[] {"--fault", "kill9@3s", "--no-faults"},
                new String[] {"--fault", "partition@3s"},
                new String[] {"--hosts", "--metrics-port", "0"},
                new String[] {"--seed", "x"},
                new String[] {"--lease-ms", "5"},
                new String[] {"--spec-scale", "--reduce", "10"},
                new String[] {"--no-such-option"});
        InProcess.assertUsageErrors("demo", bad);
    }

    @Test
    void aTakenMetricsPortIsAOneLineErrorBeforeAnythingStarts() throws Exception {
        InProcess.assertTakenMetricsPortIsRefused("demo");
    }

    @Test
    void helpDescribesTheDemo() {
        StringBuilder out = new StringBuilder();
        int rc = InProcess.execute(out, new StringWriter(), "demo", "--help");
        assertEquals(0, rc);
        assertTrue(out.toString().contains("TPC-C on Apache Derby on hapager"), out.toString());
        assertTrue(out.toString().contains("--spec-scale") && out.toString().contains("--fault=PLAN"), out.toString());
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
