package org.hapager.server.reservation;

import static org.hapager.server.testing.Pages.assertOk;
import static org.hapager.server.testing.Pages.bytesOf;
import static org.hapager.server.testing.Pages.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import org.hapager.server.process.PageServerProcess;
import org.hapager.server.testing.BlockingClient;
import org.hapager.server.testing.TempServerDirectory;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Status;
import org.hapager.wire.TokenFile;
import org.junit.jupiter.api.Test;

/** Two real page-server processes on one data directory: yield, fencing of a frozen holder, a failing fence, a crash. */
class ReservationProcessTest extends TempServerDirectory {

    static final int PAGE = 4096;
    static final long FENCE_TIMEOUT_MILLIS = 500;
    /** Scheduling noise allowed on top of the fence timeout on a busy 2-core machine. */
    static final long FENCE_MARGIN_MILLIS = 1500;
    static final Duration LOG_WAIT = Duration.ofSeconds(10);
    /** Long enough that a holder frozen for the length of a fence keeps its sessions. */
    static final int LEASE_MILLIS = 10_000;

    PageServerProcess start(String id, String... extra) {
        String[] args = new String[extra.length + 2];
        args[0] = "--server-id";
        args[1] = id;
        System.arraycopy(extra, 0, args, 2, extra.length);
        return PageServerProcess.start(data(), token(), args);
    }

    BlockingClient connect(PageServerProcess server) throws IOException {
        BlockingClient client = BlockingClient.connect(server.address());
        client.handshake(TokenFile.read(token()), LEASE_MILLIS);
        return client;
    }

    /** The duration the taker logged for an acquisition with {@code outcome}. */
    static long acquiredMillis(PageServerProcess taker, String outcome) {
        MatchResult m = taker.awaitOutput(Pattern.compile("acquired the reservation of \\S+ \\(" + outcome + "\\) in (\\d+) ms"), LOG_WAIT);
        return Long.parseLong(m.group(1));
    }

    @Test
    void holderYieldsToTheOtherServerAndRefusesItsOldConnections() throws IOException {
        byte[] bytes = new byte[2 * PAGE];
        new Random(7).nextBytes(bytes);
        try (PageServerProcess a = start("A"); PageServerProcess b = start("B");
             BlockingClient toA = connect(a); BlockingClient toB = connect(b)) {
            assertOk(toA.call(1, new Op.Create("v", true)));
            assertOk(toA.call(2, write("v", 0, bytes)));
            acquiredMillis(a, "free");

            assertArrayEquals(bytes, bytesOf(toB.call(1, new Op.Read("v", PAGE, 0, 2))), "B reads what A wrote");
            long millis = acquiredMillis(b, "yielded");
            a.awaitOutput(Pattern.compile("server A yielded the reservation of \\S+ to B"), LOG_WAIT);

            Message.Completion refused = toA.call(3, new Op.Stat("v"));
            assertEquals(Status.NOT_RESERVED, refused.status(), String.valueOf(refused));
            assertTrue(refused.error().contains("server A yielded the reservation") && refused.error().contains("to B"), refused.error());

            // a client that connects anew to A takes the reservation back (failback) and sees B's write
            assertOk(toB.call(2, write("v", 0, new byte[2 * PAGE])));
            try (BlockingClient again = connect(a)) {
                assertArrayEquals(new byte[2 * PAGE], bytesOf(again.call(1, new Op.Read("v", PAGE, 0, 2))));
            }
            b.awaitOutput(Pattern.compile("server B yielded the reservation"), LOG_WAIT);
            System.out.printf("yield took %d ms%n", millis);
        }
    }

    @Test
    void frozenHolderIsFencedWithTheDefaultCommand() throws IOException {
        try (PageServerProcess a = start("A"); PageServerProcess b = start("B", "--fence-timeout-ms", Long.toString(FENCE_TIMEOUT_MILLIS));
             BlockingClient toA = connect(a); BlockingClient toB = connect(b)) {
            assertOk(toA.call(1, new Op.Mkdirs("d")));
            a.sigstop();
            long start = System.nanoTime();
            assertOk(toB.call(1, new Op.Stat("d")));
            long clientMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(a.awaitExit(LOG_WAIT), "the frozen holder was killed");
            long fenceMillis = acquiredMillis(b, "fenced");
            assertTrue(fenceMillis >= FENCE_TIMEOUT_MILLIS - 50 && fenceMillis <= FENCE_TIMEOUT_MILLIS + FENCE_MARGIN_MILLIS,
                    "fence took " + fenceMillis + " ms; output:\n" + b.output());
            assertTrue(clientMillis <= FENCE_TIMEOUT_MILLIS + FENCE_MARGIN_MILLIS, "request took " + clientMillis + " ms");
            System.out.printf("fence of a frozen holder: %d ms (request %d ms)%n", fenceMillis, clientMillis);
        }
    }

    /**
     * A holder frozen for longer than a fence timeout before a client turns to the other server (a client's lease
     * is longer than the fence timeout) has been silent to the other server's holder watch all that time: it is
     * fenced at once, not asked to yield and given one more fence timeout first.
     */
    @Test
    void holderSilentToTheWatchForAFenceTimeoutIsFencedWithoutAYield() throws IOException {
        try (PageServerProcess a = start("A"); PageServerProcess b = start("B", "--fence-timeout-ms", Long.toString(FENCE_TIMEOUT_MILLIS));
             BlockingClient toA = connect(a); BlockingClient toB = connect(b)) {
            assertOk(toA.call(1, new Op.Mkdirs("d")));
            b.awaitOutput(Pattern.compile("holder watch: watching server A "), LOG_WAIT);
            a.sigstop();
            b.awaitOutput(Pattern.compile("holder watch: server A .* has not answered for \\d+ ms, longer than the fence timeout"), LOG_WAIT);
            assertOk(toB.call(1, new Op.Stat("d")));
            assertTrue(a.awaitExit(LOG_WAIT), "the frozen holder was killed");
            b.awaitOutput(Pattern.compile("server A .* did not yield the reservation: silent to this server's holder watch for \\d+ ms"), LOG_WAIT);
            System.out.printf("fence of a holder silent to the watch: %d ms%n", acquiredMillis(b, "fenced"));
        }
    }

    @Test
    void failingFenceCommandLeavesTheHolderInPlace() throws IOException {
        try (PageServerProcess a = start("A"); PageServerProcess b = start("B", "--fence-command", "false");
             BlockingClient toA = connect(a); BlockingClient toB = connect(b)) {
            assertOk(toA.call(1, new Op.Mkdirs("d")));
            a.sigstop();
            Message.Completion refused = toB.call(1, new Op.Stat("d"));
            a.sigcont();
            assertEquals(Status.NOT_RESERVED, refused.status(), String.valueOf(refused));
            String error = refused.error();
            assertTrue(error.contains("server B") && error.contains("server A at 127.0.0.1:" + a.port() + " (pid " + a.pid() + ")")
                    && error.contains("exited with 1"), error);
            b.awaitOutput(Pattern.compile("ERROR .*could not take the reservation"), LOG_WAIT);

            assertOk(toA.call(2, new Op.Mkdirs("d/e")));      // A still holds and serves
            assertOk(toB.call(2, new Op.Stat("d/e")));        // and yields when asked again
            acquiredMillis(b, "yielded");
            assertTrue(a.isAlive());
        }
    }

    /**
     * A holder that dies on its own while the taker fences it (the fencing command then finds no process and
     * fails, as {@code kill} does with "No such process") no longer holds the lock: the taker takes it rather than
     * refusing the client. Seen when a primary fenced itself after a failed flush and exited just as the
     * secondary's fence ran.
     */
    @Test
    void holderGoneWhenItsFenceFailsLeavesTheReservationToTheTaker() throws IOException {
        Path agent = dir.resolve("fence-agent.sh");
        Files.writeString(agent, "#!/bin/sh\n"
                + "kill -KILL \"$1\"\n"
                + "while kill -0 \"$1\" 2>/dev/null; do sleep 0.01; done\n"
                + "echo \"no such process: $1\"\n"
                + "exit 1\n");
        Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rwx------"));
        try (PageServerProcess a = start("A"); PageServerProcess b = start("B", "--fence-timeout-ms", Long.toString(FENCE_TIMEOUT_MILLIS),
                "--fence-command", agent + " {pid}");
             BlockingClient toA = connect(a); BlockingClient toB = connect(b)) {
            assertOk(toA.call(1, new Op.Mkdirs("d")));
            a.sigstop();
            Message.Completion answer = toB.call(1, new Op.Stat("d"));
            assertTrue(a.awaitExit(LOG_WAIT), "the agent killed the holder");
            assertOk(answer);
            b.awaitOutput(Pattern.compile("WARN .*fencing server A .* exited with 1: no such process: " + a.pid()
                    + ".*but the reservation's lock came free"), LOG_WAIT);
            System.out.printf("holder gone while its fence failed: %d ms%n", acquiredMillis(b, "free"));
        }
    }

    @Test
    void crashedHolderFreesTheReservationAtOnce() throws IOException {
        try (PageServerProcess a = start("A"); PageServerProcess b = start("B");
             BlockingClient toB = connect(b)) {
            try (BlockingClient toA = connect(a)) {
                assertOk(toA.call(1, new Op.Create("v", true)));
            }
            a.kill9();
            assertOk(toB.call(1, new Op.Stat("v")));
            long millis = acquiredMillis(b, "free");
            assertTrue(millis < FENCE_TIMEOUT_MILLIS, "took " + millis + " ms");
        }
    }
}
