package org.hapager.server;

import static org.hapager.server.testing.Pages.assertOk;
import static org.hapager.server.testing.Pages.bytesOf;
import static org.hapager.server.testing.Pages.write;
import static org.hapager.server.testing.ServerProbe.metricsText;
import static org.hapager.server.testing.ServerProbe.metricsUrl;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.hapager.server.process.PageServerProcess;
import org.hapager.server.testing.BlockingClient;
import org.hapager.server.testing.TempServerDirectory;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.hapager.wire.TokenFile;
import org.junit.jupiter.api.Test;

/** Real page-server processes: crash durability, connection isolation, drain on SIGTERM, the token file. */
class PageServerProcessTest extends TempServerDirectory {

    static final int PAGE = 4096;

    @Test
    void tokenFileIsCreatedOwnerOnly() throws IOException {
        try (PageServerProcess server = PageServerProcess.start(data(), token())) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(token())));
            // the peer token defaults to the data directory, whatever --token-file says, so every server of it shares it
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data().resolve("peer-token"))));
            assertTrue(server.output().contains("page server ready on 127.0.0.1:" + server.port() + " (pid " + server.pid()),
                    server.output());
        }
    }

    @Test
    void acknowledgedWritesSurviveKill9() throws IOException {
        long seed = new Random().nextLong();
        byte[] pages = new byte[8 * PAGE];
        new Random(seed).nextBytes(pages);
        try (PageServerProcess server = PageServerProcess.start(data(), token())) {
            try (BlockingClient client = BlockingClient.connect(server.address())) {
                client.handshake(TokenFile.read(token()), 5000);
                assertOk(client.call(1, new Op.Create("db/seg0/c10.dat", true)));
                Message.Completion written = client.call(2, write("db/seg0/c10.dat", 3, pages));
                assertOk(written);
                assertEquals(11L * PAGE, ((Outcome.PagesWritten) written.outcome()).volumeLength());
            }
            server.kill9();
            assertFalse(server.isAlive());
        }
        try (PageServerProcess server = PageServerProcess.start(data(), token());
             BlockingClient client = BlockingClient.connect(server.address())) {
            client.handshake(TokenFile.read(token()), 5000);
            Message.Completion read = client.call(1, new Op.Read("db/seg0/c10.dat", PAGE, 3, 8));
            assertOk(read);
            assertArrayEquals(pages, bytesOf(read), "seed " + seed);
            assertArrayEquals(PageChecksums.compute(ByteBuffer.wrap(pages), PAGE, 8), ((Outcome.PagesRead) read.outcome()).crcs());
        }
    }

    @Test
    void malformedFrameClosesOnlyItsConnection() throws Exception {
        try (PageServerProcess server = PageServerProcess.start(data(), token(), "--metrics-port", "0");
             BlockingClient bad = BlockingClient.connect(server.address());
             BlockingClient good = BlockingClient.connect(server.address())) {
            byte[] token = TokenFile.read(token());
            bad.handshake(token, 5000);
            good.handshake(token, 5000);
            bad.sendRaw(new byte[] {0, 0, 0, 2, 99, 0});
            Message.Error error = assertInstanceOf(Message.Error.class, bad.receive());
            assertEquals(Message.Error.PROTOCOL, error.code());
            assertTrue(error.text().contains("unknown message type 99"), error.text());
            assertTrue(bad.awaitClosedByServer());

            assertOk(good.call(1, new Op.Mkdirs("still/working")));
            Message.Completion stat = good.call(2, new Op.Stat("still/working"));
            assertEquals(new Outcome.Stat(true, true, 0), stat.outcome());
            server.awaitOutput(Pattern.compile("WARN .*unknown message type 99"), Duration.ofSeconds(10)); // pumped asynchronously

            String metrics = metricsText(metricsUrl(server));
            assertTrue(metrics.contains("hapager_server_requests_total{op=\"mkdirs\",status=\"ok\"} 1.0"), metrics);
            assertTrue(metrics.contains("hapager_server_rejected_connections_total{reason=\"protocol\"} 1.0"), metrics);
        }
    }

    @Test
    void sigtermDrainsRequestsInFlightAndExitsZero() throws Exception {
        // Small enough that the server has read every request before SIGTERM: a close with unread input sends
        // RST, and the client would lose the frames still in its receive buffer.
        int writes = 16;
        byte[] chunk = new byte[16 * PAGE];
        new Random(42).nextBytes(chunk);
        try (PageServerProcess server = PageServerProcess.start(data(), token());
             BlockingClient client = BlockingClient.connect(server.address())) {
            client.handshake(TokenFile.read(token()), 10_000);
            assertOk(client.call(1, new Op.Create("v", true)));
            for (int i = 0; i < writes; i++) {
                client.send(new Message.Request(100 + i, write("v", 16L * i, chunk)));
            }
            Set<Long> accepted = new HashSet<>();
            Set<Long> completed = new HashSet<>();
            Set<Long> answered = new HashSet<>();
            while (answered.size() < writes) { // ACCEPTED, or a COMPLETION alone for a write done within its read
                Message m = client.receive();
                if (m instanceof Message.Accepted a) {
                    accepted.add(a.requestId());
                } else {
                    Message.Completion c = assertInstanceOf(Message.Completion.class, m);
                    assertOk(c);
                    completed.add(c.requestId());
                }
                answered.addAll(accepted);
                answered.addAll(completed);
            }
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> server.sigterm(Duration.ofSeconds(30)));

            boolean draining = false;
            IOException end = null;
            try {
                while (true) {
                    Message m = client.receive();
                    if (m instanceof Message.Completion c) {
                        assertOk(c);
                        completed.add(c.requestId());
                    } else {
                        assertInstanceOf(Message.Draining.class, m);
                        draining = true;
                    }
                }
            } catch (EOFException | java.net.SocketException closed) {
                end = closed; // the server closed the connection after the drain
            }
            assertEquals(0, exit.get(40, TimeUnit.SECONDS), server.output());
            assertTrue(draining, "DRAINING was sent; completed " + completed.size() + "; ended by " + end + "; output:\n" + server.output());
            assertEquals(answered, completed, "every accepted request completed before the exit");
            assertTrue(server.output().contains("page server stopped"), server.output());
        }
    }

    @Test
    void helpListsEveryOptionAndBadUsageExitsTwo() throws Exception {
        Result help = runCli("--help");
        assertEquals(0, help.exit, help.output);
        for (String option : new String[] {"--data", "--port", "--token-file", "--bind", "--metrics-port", "--max-inflight",
                "--io-threads", "--lease-max-ms", "--handshake-timeout-ms", "--drain-timeout-ms", "--server-id",
                "--fence-timeout-ms", "--fence-command", "--peer-token-file", "--max-unauthenticated"}) {
            assertTrue(help.output.contains(option), option + " missing from:\n" + help.output);
        }
        assertFalse(help.output.contains("--fault "), "--fault is hidden:\n" + help.output);
        Result badFault = runCli("--data", dir.toString(), "--token-file", token().toString(), "--fault", "halt-on-receive@0");
        assertEquals(2, badFault.exit, badFault.output);
        assertTrue(badFault.output.contains("halt-on-receive@0"), badFault.output);
        Result unknown = runCli("--data", dir.toString(), "--token-file", token().toString(), "--bogus");
        assertEquals(2, unknown.exit, unknown.output);
        assertEquals(1, unknown.output.strip().lines().count(), unknown.output);
        Result badPort = runCli("--data", dir.toString(), "--token-file", token().toString(), "--port", "70000");
        assertEquals(2, badPort.exit, badPort.output);
        assertTrue(badPort.output.contains("--port 70000"), badPort.output);
        Result missing = runCli("--port", "0");
        assertEquals(2, missing.exit, missing.output);
        assertTrue(missing.output.contains("--data"), missing.output);
    }

    record Result(int exit, String output) {
    }

    static Result runCli(String... args) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                PageServerMain.class.getName()));
        command.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Result(p.exitValue(), output);
    }
}
