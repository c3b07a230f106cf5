package org.hapager.cli.workload;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hapager.cli.InProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hapager tpcb} and {@code hapager run} on Derby in memory: pgbench's tables loaded at scale 1, the
 * TPC-B-like builtin with its balance checks and JSON result, the shipped example scripts by weight, and a
 * script error reported as bad usage with its file and line.
 */
class PgbenchCommandTest {

    /** The example scripts shipped with the workloads module (tests run in demo-db/cli). */
    private static final Path SCRIPTS = Path.of("..", "workloads", "scripts");

    @TempDir
    Path dir;

    @Test
    void tpcbLoadsScaleOneRunsAndTheBalancesAddUp() throws Exception {
        Path json = dir.resolve("tpcb.json");
        StringBuilder out = new StringBuilder();
        StringWriter err = new StringWriter();
        int rc = InProcess.execute(out, err, "tpcb", "--url", "jdbc:derby:memory:tpcb-test;create=true",
                "-s", "1", "-c", "2", "-T", "0", "-t", "100", "--seed", "9", "--json", json.toString(), "--data",
                dir.toString());
        String text = out + "\n---- stderr\n" + err;
        assertEquals(0, rc, text);
        String result = Files.readString(json);
        ResultSchema.assertValid(result);
        assertAll(
                () -> assertTrue(text.contains("loading pgbench's tables at scale 1 (100,000 accounts)"), text),
                () -> assertTrue(text.contains("run: tpcb, 2 client(s)"), text),
                () -> assertTrue(text.contains("200 transactions in"), text),
                () -> assertTrue(text.lines().filter(l -> l.endsWith(" holds")).count() >= 3, text),
                () -> assertTrue(result.contains("\"workload\":\"tpcb\"") && result.contains("\"tpmC\":null"), result),
                () -> assertTrue(result.contains("\"type\":\"tpcb-like\",\"committed\":200"), result));
    }

    @Test
    void runTakesTheExampleScriptsByWeight() {
        String url = "jdbc:derby:memory:run-test;create=true";
        StringBuilder out = new StringBuilder();
        StringWriter err = new StringWriter();
        int rc = InProcess.execute(out, err, "run", "--url", url, "-f",
                SCRIPTS.resolve("zipfian-hot-accounts.sql") + "@3", "-f", SCRIPTS.resolve("select-only.sql").toString(),
                "-b", "tpcb-like@0", "-c", "2", "-T", "0", "-t", "40", "--seed", "4", "--data", dir.toString());
        String text = out + "\n---- stderr\n" + err;
        assertEquals(0, rc, text);
        assertTrue(text.contains("80 transactions in"), text);
        assertTrue(text.contains("  zipfian-hot-accounts") && text.contains("  select-only"), text);
    }

    @Test
    void aScriptErrorIsBadUsageWithFileAndLine() throws Exception {
        Path bad = dir.resolve("bad.sql");
        Files.writeString(bad, "-- a script with a pgbench feature hapager does not run\n\\set aid random(1, 10)\n"
                + "SELECT :aid;\n\\gset\n");
        StringBuilder out = new StringBuilder();
        StringWriter err = new StringWriter();
        int rc = InProcess.execute(out, err, "run", "--storage", "memory", "-f", bad.toString());
        assertEquals(2, rc, err.toString());
        assertTrue(err.toString().startsWith("hapager: " + bad + ":4: "), err.toString());
        assertTrue(err.toString().contains("\\gset"), err.toString());
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertEquals("", out.toString());

        StringWriter none = new StringWriter();
        assertEquals(2, InProcess.execute(new StringBuilder(), none, "run", "--storage", "memory"));
        assertTrue(none.toString().startsWith("hapager: name a script"), none.toString());
        StringWriter missing = new StringWriter();
        assertEquals(2, InProcess.execute(new StringBuilder(), missing, "run", "-f", dir.resolve("nope.sql").toString()));
        assertTrue(missing.toString().contains("nope.sql"), missing.toString());
    }
}
