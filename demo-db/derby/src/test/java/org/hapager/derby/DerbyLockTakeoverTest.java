package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.hapager.pager.ServerPair;
import org.hapager.server.process.PageServerProcess;
import org.hapager.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, defect 6: a JVM running Derby whose database lock lapses for longer than the lock's expiry, with real
 * processes (two page servers, the Derby JVM running {@link LedgerProcess}, and this JVM as the second Derby).
 * The lock expiry is 2 s to keep it short.
 * <ul>
 *   <li>Both page servers down until the Derby JVM's lock has lapsed (it logs SUSPENDED), then back, nobody
 *       else booted the database: the Derby JVM resumes the lock and goes on committing without an error.</li>
 *   <li>The Derby JVM frozen (SIGSTOP) for longer than the expiry, while this JVM boots the database (taking the
 *       lock over after the expiry) and commits: when the first JVM continues, every further write of it fails
 *       with the named error ({@code DatabaseFencedException}: "... was taken over by ...; this JVM is
 *       fenced"), and the database holds no write of it after this JVM's first: the first JVM's transfers in
 *       the final database are exactly those this JVM found when it booted.</li>
 * </ul>
 * No sleeps: every wait is for a condition (a line in the Derby JVM's output, a number of commits), bounded.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DerbyLockTakeoverTest {

    private static final Duration LOCK_EXPIRY = Duration.ofSeconds(2);
    /** The ids {@link LedgerProcess} generation 1 gives its transfers: [1e12, 2e12). */
    private static final long FIRST_JVM = 1_000_000_000_000L;
    private static final long SECOND_JVM = 2_000_000_000_000L;

    @TempDir
    Path dir;
    private final long start = System.nanoTime();

    /** A progress line with the time since the test started: where a slow run spent its time. */
    private void step(String what) {
        System.out.println("DerbyLockTakeoverTest +" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms: " + what);
    }

    @Test
    void aHolderWhoseLockLapsedDuringAnOutageResumesItAndCommitsWhenTheServersReturn() throws Exception {
        Path committedLog = dir.resolve("committed.log");
        try (DerbyCluster cluster = new DerbyCluster("resume", dir, 8L << 20, Duration.ofSeconds(30), LOCK_EXPIRY)) {
            Process derby = startLedger(cluster, committedLog);
            try {
                awaitCommits(derby, committedLog, 20);
                step("20 commits; killing both page servers");
                cluster.servers.primary.kill9();
                cluster.servers.secondary.kill9();
                // the outage lasts until the Derby JVM's lock has lapsed, on its own clock
                awaitOutput(derby, "SUSPENDED", Duration.ofSeconds(20));
                step("the Derby JVM suspended its lock; restarting the servers");
                int atReturn = LedgerProcess.committed(committedLog).size();
                restart(cluster);

                step("servers back");
                awaitOutput(derby, "RESUMED", Duration.ofSeconds(30));
                step("the Derby JVM resumed its lock");
                awaitCommits(derby, committedLog, atReturn + 20);
                String output = output();
                assertFalse(output.contains("ledger worker"), "the Derby JVM went on without an error:\n" + output);
                assertFalse(output.contains("DATABASE LOCK LOST"), output);
                step("20 more commits");
            } finally {
                derby.destroyForcibly();
                assertTrue(derby.waitFor(30, TimeUnit.SECONDS), "the Derby JVM exits");
            }
            step("killed the Derby JVM; booting here");
            try (Connection c = cluster.connect("ledger", "")) { // after its expiry: the killed JVM's lock frees itself
                assertEquals(List.of(), Ledger.check(c, LedgerProcess.committed(committedLog)), "the ledger");
            }
            cluster.shutdown("ledger");
        }
    }

    @Test
    void aHolderFrozenWhileAnotherJvmTookTheLockOverIsFencedAndNoWriteOfItLandsAfterTheNewHolders() throws Exception {
        Path committedLog = dir.resolve("committed.log");
        try (DerbyCluster cluster = new DerbyCluster("takeover", dir, 8L << 20, Duration.ofSeconds(30), LOCK_EXPIRY)) {
            Process first = startLedger(cluster, committedLog);
            Set<Long> firstAtTakeover;
            Set<Long> secondCommitted = new HashSet<>();
            boolean fenced;
            try {
                awaitCommits(first, committedLog, 20);
                step("20 commits; SIGSTOP of the first JVM");
                signal(first, "STOP"); // a GC pause, a stopped VM: its lock lapses on every clock but its own

                Random rnd = new Random(11);
                try (Connection c = cluster.connect("ledger", "")) { // takes the lock over after the expiry
                    step("this JVM booted the database");
                    firstAtTakeover = transfers(c, FIRST_JVM, SECOND_JVM);
                    for (long n = 0; n < 30; n++) {
                        Ledger.transfer(c, rnd, SECOND_JVM + n);
                        secondCommitted.add(SECOND_JVM + n);
                    }
                    step("30 commits of this JVM; SIGCONT of the first");
                    signal(first, "CONT");
                    // not an assertion yet: without the fence the first JVM goes on writing, and the data below shows it
                    fenced = outputWithin(first, "this JVM is fenced", Duration.ofSeconds(20));
                    if (fenced) {
                        step("the first JVM is fenced");
                        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the first JVM's workers stop: " + output());
                        step("the first JVM exited");
                    } else {
                        step("the first JVM was not fenced within 20 s: killing it");
                        first.destroyForcibly();
                        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the first JVM exits");
                    }
                    for (long n = 30; n < 60; n++) { // this JVM goes on
                        Ledger.transfer(c, rnd, SECOND_JVM + n);
                        secondCommitted.add(SECOND_JVM + n);
                    }
                }
            } finally {
                if (first.isAlive()) {
                    signal(first, "CONT");
                    first.destroyForcibly();
                    first.waitFor(30, TimeUnit.SECONDS);
                }
            }
            cluster.shutdown("ledger");
            HapagerDerby.close(cluster.name);

            step("rebooting");
            try (Connection c = cluster.connect("ledger", "")) { // a fresh boot: what the servers hold
                Set<Long> firstInTheEnd = transfers(c, FIRST_JVM, SECOND_JVM);
                assertEquals(new TreeSet<>(firstAtTakeover), new TreeSet<>(firstInTheEnd),
                        "no transfer of the first JVM landed after the second JVM booted the database");
                Set<Long> acknowledged = new HashSet<>(LedgerProcess.committed(committedLog));
                acknowledged.addAll(secondCommitted);
                assertEquals(List.of(), Ledger.check(c, acknowledged), "the ledger holds every acknowledged transfer of both");
            }
            String output = output();
            assertTrue(fenced && output.contains("DatabaseFencedException") && output.contains("was taken over by"),
                    "the first JVM's writes fail with the named error:\n" + output);
            cluster.shutdown("ledger");
        }
    }

    /** Starts both (killed) servers again on their ports, without their warm-up: they start faster. */
    private static void restart(DerbyCluster cluster) {
        ServerPair pair = cluster.servers;
        pair.primary.close();
        pair.secondary.close();
        pair.primary = PageServerProcess.start(pair.data, pair.token, pair.primary.port(), "--warmup-ops", "0");
        pair.secondary = PageServerProcess.start(pair.data, pair.token, pair.secondary.port(), "--warmup-ops", "0");
    }

    // ------------------------------------------------------------------ the Derby JVM

    private Process startLedger(DerbyCluster cluster, Path committedLog) throws IOException {
        step("page servers up; starting the Derby JVM");
        List<String> command = DerbyCrashTest.childJvm(cluster, dir, LedgerProcess.class);
        command.replaceAll(a -> a.endsWith(".lockExpiry=PT6S") ? a.replace("PT6S", LOCK_EXPIRY.toString()) : a);
        command.addAll(List.of(cluster.url("ledger"), committedLog.toString(), "2", "1", "90"));
        File out = dir.resolve("ledger.out").toFile();
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out).start();
    }

    /** The Derby JVM's output and its derby.log. */
    private String output() {
        try {
            Path log = dir.resolve("derby-child.log");
            return Files.readString(dir.resolve("ledger.out")) + (Files.exists(log) ? "\n--- derby.log\n" + Files.readString(log) : "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitCommits(Process derby, Path committedLog, int count) {
        await("the Derby JVM to have " + count + " commits", Duration.ofSeconds(60), derby, true, () -> {
            try {
                return LedgerProcess.committed(committedLog).size() >= count;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Whether {@code text} shows in the Derby JVM's output within {@code timeout}. */
    private boolean outputWithin(Process derby, String text, Duration timeout) {
        try {
            awaitOutput(derby, text, timeout);
            return true;
        } catch (AssertionError timedOut) {
            return false;
        }
    }

    private void awaitOutput(Process derby, String text, Duration timeout) {
        await("\"" + text + "\" in the Derby JVM's output", timeout, derby, false, () -> output().contains(text));
    }

    /** Waits for {@code condition}, failing after {@code timeout}, or as soon as {@code derby} dies if {@code mustLive}. */
    private void await(String what, Duration timeout, Process derby, boolean mustLive, BooleanSupplier condition) {
        Await.until(what, timeout, () -> {
            if (mustLive && !derby.isAlive()) {
                throw new AssertionError("the Derby JVM died awaiting " + what + "; its output:\n" + output());
            }
            return condition.getAsBoolean();
        }, () -> "the Derby JVM's output:\n" + output());
    }

    private static void signal(Process p, String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).redirectErrorStream(true).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + name + " " + p.pid());
    }

    /** The ids of the transfers in [from, to). */
    private static Set<Long> transfers(Connection c, long from, long to) throws SQLException {
        Set<Long> ids = new HashSet<>();
        try (Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT id FROM transfer WHERE id >= " + from + " AND id < " + to)) {
            while (r.next()) {
                ids.add(r.getLong(1));
            }
        }
        return ids;
    }
}
