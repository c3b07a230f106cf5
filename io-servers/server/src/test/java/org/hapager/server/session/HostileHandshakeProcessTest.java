package org.hapager.server.session;

import static org.hapager.server.testing.Pages.assertOk;
import static org.hapager.server.testing.Pages.bytesOf;
import static org.hapager.server.testing.Pages.write;
import static org.hapager.server.testing.ServerProbe.awaitCounter;
import static org.hapager.server.testing.ServerProbe.counter;
import static org.hapager.server.testing.ServerProbe.metricsText;
import static org.hapager.server.testing.ServerProbe.metricsUrl;
import static org.hapager.server.testing.ServerProbe.rssBytes;
import static org.hapager.server.testing.ServerProbe.tail;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.hapager.server.process.PageServerProcess;
import org.hapager.server.testing.BlockingClient;
import org.hapager.server.testing.TempServerDirectory;
import org.hapager.wire.MessageType;
import org.hapager.wire.Op;
import org.hapager.wire.TokenFile;
import org.hapager.wire.WireLimits;
import org.junit.jupiter.api.Test;

/**
 * Hostile connections against a real page-server process, before they authenticate: frames as large as any
 * frame announced in HELLO, and more connections awaiting authentication than the server admits. An
 * authenticated client must be served throughout, the server's memory must stay bounded, and its log must not
 * grow by one WARN line per bad connection.
 */
class HostileHandshakeProcessTest extends TempServerDirectory {

    static final int PAGE = 4096;
    /** Long enough that no hostile connection is closed by the handshake timeout during a test. */
    static final String HANDSHAKE_TIMEOUT = "60000";
    static final Duration WAIT = Duration.ofSeconds(20);
    static final Pattern WARN_LINE = Pattern.compile("(?m)^\\S+ WARN ");

    /**
     * 256 connections, each sending the length prefix of a HELLO as large as any frame (1,114,112 bytes) and then
     * all of its body but one byte. Before authentication the server must refuse such a frame at once, from its
     * length prefix: its connection is closed (with an ERROR frame, or reset if the rest of the body was still
     * unread), while an authenticated client writes and reads, and a new client authenticates afterwards.
     */
    @Test
    void hugeHellosAreRefusedAtOnceWhileAnAuthenticatedClientIsServed() throws Exception {
        int connections = 256;
        int frameBytes = WireLimits.DEFAULT.maxFrameBytes();
        byte[] pages = new byte[8 * PAGE];
        new Random(11).nextBytes(pages);
        try (PageServerProcess server = PageServerProcess.start(data(), token(), "--metrics-port", "0",
                "--handshake-timeout-ms", HANDSHAKE_TIMEOUT);
             BlockingClient good = BlockingClient.connect(server.address())) {
            byte[] token = TokenFile.read(token());
            good.handshake(token, 10_000);
            assertOk(good.call(1, new Op.Create("v", true)));
            assertOk(good.call(2, write("v", 0, pages)));
            long rssBefore = rssBytes(server.pid()) >> 10;

            List<Socket> hostile = new ArrayList<>();
            long rssDuring;
            int refusedWhileSending = 0;
            try {
                for (int i = 0; i < connections; i++) {
                    Socket s = new Socket();
                    s.connect(server.address(), 10_000);
                    s.setSoTimeout(10_000); // a safety net: the server closes them long before
                    hostile.add(s);
                }
                byte[] chunk = new byte[64 * 1024];
                for (Socket s : hostile) {
                    if (!sendAllButOneByte(s, frameBytes, chunk)) {
                        refusedWhileSending++;
                    }
                }
                rssDuring = rssBytes(server.pid()) >> 10;
                System.out.printf("server RSS %d KiB before %d hostile HELLOs, %d KiB after (%d refused while sending)%n",
                        rssBefore, connections, rssDuring, refusedWhileSending);

                // meanwhile, the authenticated client is served
                byte[] more = new byte[8 * PAGE];
                new Random(12).nextBytes(more);
                assertOk(good.call(3, write("v", 8, more)));
                assertArrayEquals(pages, bytesOf(good.call(4, new Op.Read("v", PAGE, 0, 8))));
                assertArrayEquals(more, bytesOf(good.call(5, new Op.Read("v", PAGE, 8, 8))));

                for (int i = 0; i < hostile.size(); i++) {
                    assertClosedByServer(hostile.get(i), "hostile connection " + i, server);
                }
            } finally {
                for (Socket s : hostile) {
                    s.close();
                }
            }
            try (BlockingClient late = BlockingClient.connect(server.address())) {
                late.handshake(token, 10_000);
                assertArrayEquals(pages, bytesOf(late.call(1, new Op.Read("v", PAGE, 0, 8))));
            }

            String metrics = metricsText(metricsUrl(server));
            long refused = counter(metrics, "hapager_server_rejected_connections_total{reason=\"protocol\"}")
                    + counter(metrics, "hapager_server_rejected_connections_total{reason=\"unauthenticated_limit\"}");
            assertEquals(connections, refused, metrics);
            server.awaitOutput(Pattern.compile("WARN .*exceeds the handshake bound"), WAIT);
            long warnLines = WARN_LINE.matcher(server.output()).results().count();
            assertTrue(warnLines <= 4, warnLines + " WARN lines for " + connections + " bad connections:\n" + server.output());
            long grownKiB = rssDuring - rssBefore;
            System.out.printf("%d hostile HELLOs of %d bytes: RSS +%d KiB, %d WARN lines:%n%s%n", connections, frameBytes,
                    grownKiB, warnLines, warnLines(server.output()));
            assertTrue(grownKiB < 64 * 1024, "the server's RSS grew by " + grownKiB + " KiB");
        }
    }

    /**
     * More connections that never authenticate than {@code --max-unauthenticated} (default 64) admits: those over
     * the cap are closed at once and counted, one WARN line says so, a client authenticated before is served, and a
     * new client authenticates once the hostile connections are gone.
     */
    @Test
    void connectionsAwaitingAuthenticationAreCappedServerWide() throws Exception {
        int cap = 64;
        int connections = cap + 16;
        try (PageServerProcess server = PageServerProcess.start(data(), token(), "--metrics-port", "0",
                "--handshake-timeout-ms", HANDSHAKE_TIMEOUT);
             BlockingClient good = BlockingClient.connect(server.address())) {
            byte[] token = TokenFile.read(token());
            good.handshake(token, 10_000);
            assertOk(good.call(1, new Op.Mkdirs("d")));

            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < connections; i++) {
                    Socket s = new Socket();
                    s.connect(server.address(), 10_000);
                    idle.add(s);
                }
                String limit = "hapager_server_rejected_connections_total{reason=\"unauthenticated_limit\"}";
                awaitCounter(server, limit, connections - cap, WAIT);

                // the oldest idle connections were closed; a new client still gets in, and evicts the next oldest
                for (int i = 0; i < connections - cap; i++) {
                    assertClosedByServer(idle.get(i), "idle connection " + i + ", among the oldest", server);
                }
                try (BlockingClient newcomer = BlockingClient.connect(server.address())) {
                    newcomer.handshake(token, 10_000);
                    assertOk(newcomer.call(1, new Op.Stat("d")));
                }
                awaitCounter(server, limit, connections - cap + 1, WAIT);
                assertOk(good.call(2, new Op.Stat("d")));
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
            awaitCounter(server, "hapager_server_sessions", 1, WAIT);
            try (BlockingClient late = BlockingClient.connect(server.address())) {
                late.handshake(token, 10_000);
                assertOk(late.call(1, new Op.Stat("d")));
            }
            server.awaitOutput(Pattern.compile("WARN .*await authentication"), WAIT);
            long warnLines = WARN_LINE.matcher(server.output()).results().count();
            assertTrue(warnLines <= 2, warnLines + " WARN lines:\n" + server.output());
            System.out.printf("%d idle connections over a cap of %d: %d WARN lines:%n%s%n", connections, cap, warnLines,
                    warnLines(server.output()));
        }
    }

    static String warnLines(String output) {
        return String.join("\n", output.lines().filter(l -> WARN_LINE.matcher(l).find()).toList());
    }

    /** Sends a HELLO prefix announcing {@code frameBytes} and all of the body but one byte; false if the server closed first. */
    static boolean sendAllButOneByte(Socket s, int frameBytes, byte[] chunk) {
        try {
            OutputStream out = s.getOutputStream();
            out.write(ByteBuffer.allocate(5).putInt(frameBytes).put((byte) MessageType.HELLO.code).array());
            long left = frameBytes - 2L; // the type byte is sent; all but one byte of the rest
            while (left > 0) {
                int n = (int) Math.min(left, chunk.length);
                out.write(chunk, 0, n);
                left -= n;
            }
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads what the server sent until it closes; fails if the safety-net read timeout passes first. */
    static void assertClosedByServer(Socket s, String what, PageServerProcess server) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        try {
            while (true) {
                int length = in.readInt();
                in.skipNBytes(length);
            }
        } catch (EOFException | SocketException closed) {
            // closed (or reset: the server closed it with part of the hostile frame unread)
        } catch (SocketTimeoutException e) {
            throw new AssertionError(what + " was not closed by the server; server output:\n" + tail(server.output()), e);
        }
    }
}
