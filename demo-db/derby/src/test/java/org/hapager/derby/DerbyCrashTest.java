package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.hapager.testkit.Await;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the JVM running Derby on hapager, at a random moment of a transactional workload, several
 * times; Derby recovers from what the page servers hold: every transfer the workload saw committed is
 * there, no half transaction is, the total holds.
 */
@ExtendWith(SeedExtension.class)
class DerbyCrashTest {

    private static final int ROUNDS = 2;

    @TempDir
    Path dir;

    @Test
    void committedTransactionsSurviveKillNineOfTheDerbyJvm(Seed seed) throws Exception {
        Random rnd = seed.random();
        Path committedLog = dir.resolve("committed.log");
        try (DerbyCluster cluster = new DerbyCluster("crash", dir)) {
            for (int round = 1; round <= ROUNDS; round++) {
                int before = LedgerProcess.committed(committedLog).size();
                int killAfter = before + 50 + rnd.nextInt(250);
                Process derby = startLedger(cluster, committedLog, round);
                try {
                    awaitCommitted(derby, committedLog, killAfter, round);
                } finally {
                    derby.destroyForcibly(); // SIGKILL
                    assertTrue(derby.waitFor(30, TimeUnit.SECONDS), "the killed Derby JVM exits");
                }
                System.out.println("round " + round + ": killed the Derby JVM after "
                        + (LedgerProcess.committed(committedLog).size() - before) + " commits");
            }
            // recovery in this JVM, from the page servers alone
            try (Connection c = cluster.connect("ledger", "")) {
                List<String> problems = Ledger.check(c, LedgerProcess.committed(committedLog));
                assertEquals(List.of(), problems, "ledger after " + ROUNDS + " kills of the Derby JVM");
            }
            cluster.shutdown("ledger");
        }
    }

    private Process startLedger(DerbyCluster cluster, Path committedLog, int generation) throws Exception {
        List<String> command = childJvm(cluster, dir, LedgerProcess.class);
        command.addAll(List.of(cluster.url("ledger"), committedLog.toString(), "4", Integer.toString(generation), "120"));
        File out = dir.resolve("ledger-" + generation + ".out").toFile();
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out).start();
    }

    /** The command line of a JVM running {@code main} on this class path, configured for {@code cluster}. */
    static List<String> childJvm(DerbyCluster cluster, Path dir, Class<?> main) {
        String prefix = "-Dhapager.derby." + cluster.name + ".";
        return new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                prefix + "servers=" + address(cluster.servers.primary.address()) + "," + address(cluster.servers.secondary.address()),
                prefix + "tokenFile=" + cluster.servers.token,
                prefix + "lease=PT0.5S",
                prefix + "lockExpiry=PT6S",
                prefix + "poolBytes=" + (8 << 20),
                "-Dderby.stream.error.file=" + dir.resolve("derby-child.log"),
                main.getName()));
    }

    private static String address(java.net.InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    /** Waits (deadline 90 s) until the log holds {@code count} commits; fails if the workload dies first. */
    private void awaitCommitted(Process derby, Path committedLog, int count, int round) {
        Await.until("round " + round + ": " + count + " commits of the ledger JVM", Duration.ofSeconds(90), () -> {
            if (!derby.isAlive()) {
                throw new AssertionError("round " + round + ": the ledger JVM died before " + count + " commits; its output:\n"
                        + output(round));
            }
            return committed(committedLog) >= count;
        }, () -> "its output:\n" + output(round));
    }

    private int committed(Path committedLog) {
        try {
            return LedgerProcess.committed(committedLog).size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String output(int round) {
        try {
            return Files.readString(dir.resolve("ledger-" + round + ".out"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
