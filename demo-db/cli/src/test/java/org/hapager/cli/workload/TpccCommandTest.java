package org.hapager.cli.workload;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hapager.cli.InProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hapager tpcc} on Derby's in-memory and disk storage (the same workload, for comparison), with its
 * JSON result checked against the published schema and its HTML report written; and its refusals of bad
 * options. The hapager storage, external page servers and the metrics endpoint are in
 * {@link ExternalServersTest}.
 */
class TpccCommandTest {

    @TempDir
    Path dir;

    @Test
    void tpccOnDerbysOwnDiskStorageWritesAResultThatMatchesTheSchemaAndAReport() throws Exception {
        Path json = dir.resolve("tpcc.json");
        Path report = dir.resolve("tpcc.html");
        StringBuilder out = new StringBuilder();
        StringWriter err = new StringWriter();
        int rc = InProcess.execute(out, err, "tpcc", "--storage", "disk", "--data", dir.resolve("d").toString(),
                "--reduce", "100", "-c", "2", "-T", "3", "--seed", "5", "--json", json.toString(), "--report",
                report.toString());
        String text = out + "\n---- stderr\n" + err;
        assertEquals(0, rc, text);
        String result = Files.readString(json);
        ResultSchema.assertValid(result);
        assertAll(
                () -> assertTrue(text.contains("database: Derby's own disk storage in"), text),
                () -> assertTrue(text.contains("loading TPC-C: 1 warehouse(s), 1,000 items"), text),
                () -> assertTrue(text.lines().anyMatch(l -> l.startsWith("progress: ") && l.contains("tpmC")), text),
                () -> assertEquals(4, text.lines().filter(l -> l.contains("TPC-C condition") && l.endsWith("holds")).count(), text),
                () -> assertTrue(text.contains("OK: no transaction failed and every check held"), text),
                () -> assertTrue(result.contains("\"workload\":\"tpcc\"") && result.contains("\"passed\":true"), result),
                () -> assertTrue(result.contains("\"storage\":[]"), "no hapager figures on disk storage: " + result),
                () -> assertTrue(Files.readString(report).contains("<html"), "report"));
    }

    @Test
    void anExistingDatabaseIsNotLoadedAgainAndAnyJdbcUrlWorks() {
        // Derby keeps an in-memory database across a shutdown (until drop=true): the second run finds it loaded
        String url = "jdbc:derby:memory:tpcc-again;create=true";
        StringBuilder first = new StringBuilder();
        assertEquals(0, InProcess.execute(first, new StringWriter(), "tpcc", "--url", url, "--reduce", "100",
                "-c", "1", "-T", "0", "-t", "20", "-P", "0", "--data", dir.toString()), first.toString());
        StringBuilder second = new StringBuilder();
        assertEquals(0, InProcess.execute(second, new StringWriter(), "tpcc", "--url", url, "-c", "2",
                "-T", "0", "-t", "20", "--data", dir.toString()), second.toString());
        assertTrue(first.toString().contains("loading TPC-C"), first.toString());
        assertTrue(first.toString().lines().noneMatch(l -> l.startsWith("progress:")), "-P 0: " + first);
        assertTrue(second.toString().contains("TPC-C already loaded: 1 warehouse(s), 1,000 items"), second.toString());
        assertTrue(second.toString().contains("40 transactions in"), second.toString());
    }

    @Test
    void aTakenMetricsPortIsAOneLineErrorBeforeAnythingStarts() throws Exception {
        InProcess.assertTakenMetricsPortIsRefused("tpcc", "--storage", "memory");
    }

    @Test
    void badOptionsAreOneLineErrorsWithExitCodeTwo() {
        List<String[]> bad = List.of(
                new String[] {"-c", "0"},
                new String[] {"-T", "soon"},
                new String[] {"-T", "0"},
                new String[] {"--storage", "tape"},
                new String[] {"--url", "derby:memory:x"},
                new String[] {"--url", "jdbc:derby:memory:x", "--storage", "disk"},
                new String[] {"--servers", "127.0.0.1:1"},
                new String[] {"--servers", "127.0.0.1:1,127.0.0.1:2"},
                new String[] {"--servers", "127.0.0.1,127.0.0.1:2", "--token-file", "/etc/hostname"},
                new String[] {"--token-file", "/etc/hostname"},
                new String[] {"--metrics-port", "70000"},
                new String[] {"--json", "/no/such/dir/x.json"},
                new String[] {"-w", "0"},
                new String[] {"--reduce", "0"},
                new String[] {"--no-such-option"});
        InProcess.assertUsageErrors("tpcc", bad);
    }
}
