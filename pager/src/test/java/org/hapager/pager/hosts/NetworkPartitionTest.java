package org.hapager.pager.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import org.hapager.server.process.ChildJvm;
import org.hapager.server.process.NetnsBed;
import org.hapager.server.process.PageServerProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Network faults between hosts, with real processes: a {@link NetnsBed} puts the client and each page server in
 * its own network namespace, and cuts links there by dropping packets (silence, never a reset). The client is a
 * {@link HostClient} JVM that writes durable pages throughout and checks every page at the end.
 *
 * <p>Needs root, iproute2 and nftables; skips with the reason otherwise, unless {@code -Dhapager.requireNetns=true}
 * (CI), where that is a failure.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NetworkPartitionTest {

    private static final long SEED = Long.getLong("hapager.seed", System.nanoTime());
    private static final Duration LEASE = Duration.ofMillis(500);
    private static final Pattern RESULT = Pattern.compile("CLIENT RESULT writes=(\\d+) failures=(\\d+) stale=(\\d+)"
            + " max-write-ms=(\\d+) failovers=(\\d+) server=(\\S+)");

    @TempDir
    Path dir;

    @BeforeAll
    static void needsTheBed() {
        String unavailable = NetnsBed.unavailable();
        if (unavailable != null && Boolean.getBoolean("hapager.requireNetns")) {
            fail(unavailable + " (required: -Dhapager.requireNetns=true)");
        }
        assumeTrue(unavailable == null, unavailable);
    }

    /**
     * Scenario 1: the client's link to the primary goes silent. The client notices by its lease and fails over;
     * the secondary, which still reaches the primary, asks it to yield and takes the storage without fencing it.
     */
    @Test
    void aSilentCutBetweenClientAndPrimaryFailsOverWithoutFencing() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path token = dir.resolve("token");
        try (NetnsBed bed = NetnsBed.create("client", "a", "b");
             PageServerProcess a = PageServerProcess.startOn(bed, "a", data, token);
             PageServerProcess b = PageServerProcess.startOn(bed, "b", data, token);
             ChildJvm client = startClient(bed, "client", token, "cut/pages.dat", 8, a, b)) {
            client.awaitOutput(Pattern.compile("CLIENT PROGRESS writes=[1-9]\\d{2,} server=/?" + Pattern.quote(bed.address("a"))),
                    Duration.ofSeconds(60));
            bed.cutBoth("client", "a");
            System.out.println("cut client <-> a (seed " + SEED + ")");

            MatchResult result = client.awaitOutput(RESULT, Duration.ofSeconds(120));
            String report = "\nclient:\n" + client.output() + "\nserver a:\n" + a.output() + "\nserver b:\n" + b.output();
            System.out.println(result.group() + " (stall: the longest write, " + result.group(4) + " ms, lease "
                    + LEASE.toMillis() + " ms)");
            assertEquals("0", result.group(2), "no write failed while the secondary was reachable" + report);
            assertEquals("0", result.group(3), "every page reads back as its last acknowledged write" + report);
            assertTrue(Long.parseLong(result.group(5)) >= 1, "the client failed over" + report);
            assertTrue(result.group(6).endsWith(bed.address("b") + ":" + b.port()), "the client ends on b" + report);
            assertTrue(client.awaitExit(Duration.ofSeconds(30)) && client.exitCode() == 0, "the client exits 0" + report);
            b.awaitOutput(Pattern.compile("acquired the reservation"), Duration.ofSeconds(5));
            a.awaitOutput(Pattern.compile("yielded the reservation"), Duration.ofSeconds(5));
            assertFalse(b.output().contains("fencing it with"), "b reached a over their link: no fencing" + report);
            assertTrue(a.isAlive(), "a yielded and lives on" + report);
        }
    }

    private static ChildJvm startClient(NetnsBed bed, String host, Path token, String volume, int seconds,
                                        PageServerProcess... servers) {
        StringBuilder addresses = new StringBuilder();
        for (PageServerProcess server : servers) {
            addresses.append(addresses.length() == 0 ? "" : ",").append(server.address().getHostString()).append(':')
                    .append(server.port());
        }
        return ChildJvm.start("client", bed.exec(host), Map.of(), List.of("-Xmx256m"), HostClient.class.getName(),
                List.of(addresses.toString(), token.toString(), volume, Integer.toString(seconds),
                        Long.toString(LEASE.toMillis()), Long.toString(SEED)));
    }
}
