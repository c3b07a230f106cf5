package org.hapager.server.fault;

import static org.hapager.server.testing.Pages.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.hapager.server.PageServerMain;
import org.hapager.server.process.PageServerProcess;
import org.hapager.server.testing.BlockingClient;
import org.hapager.testkit.Await;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.hapager.wire.TokenFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each fault point halts or freezes a real page server at its window, and only there. */
class FaultPointProcessTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    PageServerProcess start(String fault) {
        PageServerProcess server = PageServerProcess.start(dir.resolve("data"), dir.resolve("token"), "--fault", fault);
        server.awaitOutput(Pattern.compile("WARN .*test fault points active: " + Pattern.quote(fault)), WAIT);
        return server;
    }

    BlockingClient connect(PageServerProcess server) throws IOException {
        BlockingClient client = BlockingClient.connect(server.address());
        client.handshake(TokenFile.read(dir.resolve("token")), 10_000);
        return client;
    }

    static void assertNoMoreFrames(BlockingClient client) throws IOException {
        try {
            Message m = client.receive();
            throw new AssertionError("expected the connection to end, got " + m);
        } catch (EOFException | SocketException closed) {
            // the process halted
        }
    }

    static void assertHalted(PageServerProcess server) {
        assertTrue(server.awaitExit(WAIT), "halted");
        assertEquals(FaultPoint.HALT_EXIT_CODE, server.exitCode(), server.output());
    }

    /** Whether volume {@code v} exists, asked of a fresh server without fault points. */
    boolean volumeExists(String volume) throws IOException {
        try (PageServerProcess server = PageServerProcess.start(dir.resolve("data"), dir.resolve("token"));
             BlockingClient client = connect(server)) {
            Message.Completion stat = client.call(1, new Op.Stat(volume));
            assertOk(stat);
            return ((Outcome.Stat) stat.outcome()).exists();
        }
    }

    @Test
    void haltOnReceiveHaltsBeforeAccepting() throws IOException {
        try (PageServerProcess server = start("halt-on-receive@2"); BlockingClient client = connect(server)) {
            assertOk(client.call(1, new Op.Mkdirs("d")));
            client.send(new Message.Request(2, new Op.Create("v", true)));
            assertNoMoreFrames(client);
            assertHalted(server);
        }
        assertTrue(volumeExists("d"));
        assertTrue(!volumeExists("v"), "request 2 was not executed");
    }

    @Test
    void haltAfterAcceptSendsAcceptedAndDoesNotExecute() throws IOException {
        try (PageServerProcess server = start("halt-after-accept@1"); BlockingClient client = connect(server)) {
            client.send(new Message.Request(1, new Op.Create("v", true)));
            assertEquals(1, assertInstanceOf(Message.Accepted.class, client.receive()).requestId());
            assertNoMoreFrames(client);
            assertHalted(server);
        }
        assertTrue(!volumeExists("v"), "request 1 was not executed");
    }

    @Test
    void haltAfterCompleteExecutesAndCompletesFirst() throws IOException {
        try (PageServerProcess server = start("halt-after-complete@1"); BlockingClient client = connect(server)) {
            assertOk(client.call(1, new Op.Create("v", true)));
            assertNoMoreFrames(client);
            assertHalted(server);
        }
        assertTrue(volumeExists("v"));
    }

    @Test
    void stopAfterAcceptFreezesUntilContinued() throws IOException {
        try (PageServerProcess server = start("stop-after-accept@1"); BlockingClient client = connect(server)) {
            client.send(new Message.Request(1, new Op.Create("v", true)));
            assertEquals(1, assertInstanceOf(Message.Accepted.class, client.receive()).requestId());
            awaitStopped(server.pid());
            server.sigcont();
            Message.Completion done = assertInstanceOf(Message.Completion.class, client.receive());
            assertOk(done);
            assertTrue(server.isAlive());
        }
    }

    /**
     * fail-force@2: the second group-commit force fails. The server answers that write with nothing at all (no
     * failure the caller could see, at most its ACCEPTED), closes the connection, logs one FENCED line naming the volume, the file and the
     * exception, and exits with {@link PageServerMain#FENCED_EXIT_CODE}.
     */
    @Test
    void failForceFencesTheServer() throws IOException {
        try (PageServerProcess server = start("fail-force@2"); BlockingClient client = connect(server)) {
            assertOk(client.call(1, new Op.Create("v", true)));
            assertOk(client.call(2, write("v", 0)));
            client.send(new Message.Request(3, write("v", 1)));
            // forced on the event loop, the write fails before its ACCEPTED was due; on a forcing thread, ACCEPTED
            // may go out first; never a COMPLETION
            try {
                assertEquals(new Message.Accepted(3), client.receive());
                assertNoMoreFrames(client);
            } catch (EOFException | SocketException closed) {
                // closed without a frame
            }
            assertTrue(server.awaitExit(WAIT), "a fenced server exits");
            assertEquals(PageServerMain.FENCED_EXIT_CODE, server.exitCode(), server.output());
            server.awaitOutput(Pattern.compile("ERROR .*FENCED: page server \\S+ stops serving: force of volume v \\(file "
                    + ".*/volumes/v\\) failed: java.io.IOException: Input/output error \\(test fault point fail-force@2\\)"), WAIT);
            server.awaitOutput(Pattern.compile("page server exits with 74: fenced after a failed flush"), WAIT);
        }
    }

    static Op.Write write(String volume, long page) {
        ByteBuffer data = ByteBuffer.allocate(512);
        data.put(0, (byte) (page + 1));
        return new Op.Write(volume, 512, page, 1, PageChecksums.compute(data, 512, 1), data);
    }

    /** Waits until /proc says the process is stopped (/proc offers nothing to wait on). */
    static void awaitStopped(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        Await.until("pid " + pid + " to stop", WAIT, () -> state(stat) == 'T', () -> "state " + state(stat));
    }

    private static char state(Path stat) {
        try {
            String text = Files.readString(stat);
            return text.charAt(text.lastIndexOf(')') + 2);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("reading " + stat, e);
        }
    }
}
