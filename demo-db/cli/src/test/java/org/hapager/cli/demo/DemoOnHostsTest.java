package org.hapager.cli.demo;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hapager.cli.InProcess;
import org.hapager.cli.workload.ResultSchema;
import org.hapager.server.process.NetnsBed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hapager demo --hosts}, shortened: the client and each page server in a network namespace of their own,
 * the serving server cut off silently at 3 s and the next one frozen at 9 s. Needs root, iproute2 and nftables;
 * skips with the reason otherwise, unless {@code -Dhapager.requireNetns=true} (CI).
 */
class DemoOnHostsTest {

    @TempDir
    Path dir;

    @Test
    void tpccRunsThroughASilentPartitionAndASigstopOnHostsOfTheirOwn() throws Exception {
        String unavailable = NetnsBed.unavailableUnlessRequired();
        assumeTrue(unavailable == null, unavailable);
        StringBuilder out = new StringBuilder();
        StringWriter err = new StringWriter();
        Path json = dir.resolve("demo.json");
        Path report = dir.resolve("demo.html");
        int rc = InProcess.execute(out, err, "demo", "--hosts", "--reduce", "100", "--terminals", "2",
                "--duration", "16", "--fault", "partition@3s,sigstop@9s+3s", "--seed", "7", "--data", dir.resolve("data").toString(),
                "--json", json.toString(), "--report", report.toString());
        String text = out.toString();
        String all = text + "\n---- stderr\n" + err;
        assertEquals(0, rc, all);
        assertAll(
                () -> assertTrue(text.startsWith("hosts: client 10."), all),
                () -> assertTrue(text.contains("silent partition of the serving page server 10."), all),
                () -> assertTrue(text.contains("released the reservation on its own") || text.contains("was fenced (killed by the"
                        + " fence agent"), "the cut-off server stepped down or was fenced\n" + all),
                () -> assertTrue(text.contains("the links of 10.") && text.contains(" healed"), all),
                () -> assertTrue(text.contains("SIGSTOP of the serving page server 10."), all),
                () -> assertTrue(text.contains("errors 0: failed transactions 0, failed by page I/O 0"), all),
                () -> assertTrue(text.contains("PASSED: TPC-C 1 warehouse, 2 terminals, 16s: ")
                        && text.contains("(silent partition at 3 s, SIGSTOP at 9 s), 0 failed transaction(s)"), all));
        String result = Files.readString(json);
        ResultSchema.assertValid(result);
        assertTrue(result.contains("\"kind\":\"partition\"") && result.contains("\"kind\":\"healed\"")
                && result.contains("\"kind\":\"failover\""), result);
        assertTrue(Files.readString(report).contains("\"kind\":\"partition\""), "the report's events");
    }
}
