package org.hapager.server.reservation;

import static org.hapager.server.testing.Pages.assertOk;
import static org.hapager.server.testing.Pages.bytesOf;
import static org.hapager.server.testing.Pages.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import java.util.regex.Pattern;
import org.hapager.server.process.PageServerProcess;
import org.hapager.server.testing.BlockingClient;
import org.hapager.server.testing.TempServerDirectory;
import org.hapager.wire.HandshakeProof;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Status;
import org.hapager.wire.TokenFile;
import org.junit.jupiter.api.Test;

/**
 * Who may make a real page-server process give up its storage reservation, and what becomes of the strings a
 * YIELD carries: only a connection that authenticated with the peer token (a page server) may yield it, and
 * wire strings reach the log and other clients' error texts escaped, so they cannot forge log records.
 */
class YieldAuthorityProcessTest extends TempServerDirectory {

    static final int PAGE = 4096;
    static final int LEASE_MILLIS = 10_000;
    static final Duration LOG_WAIT = Duration.ofSeconds(10);
    /** A log record as the page server writes it: {@code HH:mm:ss.SSS LEVEL [thread] Logger - message}. */
    static final Pattern FORGED_RECORD = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +ERROR +\\[[^]]+\\] \\S+ - FORGED.*");
    static final String FORGERY = "\n12:34:56.789 ERROR [reservation] Reservation - FORGED: the disk is on fire\r\n"
            + "12:34:56.790 ERROR [reservation] Reservation - FORGED: second line";

    /** What a page server authenticates a YIELD with: the peer token next to the client token in the data directory. */
    HandshakeProof peerProof() throws IOException {
        return HandshakeProof.forPeers(TokenFile.read(data().resolve("peer-token")));
    }

    @Test
    void yieldFromAClientIsRefusedAndTheReservationKept() throws IOException {
        byte[] bytes = new byte[4 * PAGE];
        new Random(3).nextBytes(bytes);
        try (PageServerProcess server = PageServerProcess.start(data(), token(), "--server-id", "A");
             BlockingClient holder = BlockingClient.connect(server.address());
             BlockingClient intruder = BlockingClient.connect(server.address())) {
            byte[] token = TokenFile.read(token());
            holder.handshake(token, LEASE_MILLIS);
            assertOk(holder.call(1, new Op.Create("v", true)));
            assertOk(holder.call(2, write("v", 0, bytes)));

            intruder.handshake(new HandshakeProof(token), "intruder" + FORGERY, LEASE_MILLIS);
            intruder.send(new Message.Yield("intruder" + FORGERY, "take over" + FORGERY));
            Message reply = intruder.receive();
            Message.Error error = assertInstanceOf(Message.Error.class, reply, "answer to a client's YIELD");
            assertEquals(Message.Error.PROTOCOL, error.code(), error.text());
            assertTrue(error.text().contains("YIELD is accepted only from a page server"), error.text());
            assertTrue(intruder.awaitClosedByServer());

            // the server kept the reservation: it still serves the holder's writes
            assertOk(holder.call(3, write("v", 4, bytes)));
            Message.Completion read = holder.call(4, new Op.Read("v", PAGE, 4, 4));
            assertOk(read);
            assertArrayEquals(bytes, bytesOf(read));

            server.awaitOutput(Pattern.compile("WARN .*YIELD is accepted only from a page server"), LOG_WAIT);
            assertFalse(server.output().contains("yielded the reservation"), server.output());
            assertNoForgedRecord(server.output());
        }
    }

    @Test
    void wireStringsOfAPeersYieldAreEscapedInLogsAndErrorTexts() throws IOException {
        try (PageServerProcess server = PageServerProcess.start(data(), token(), "--server-id", "A");
             BlockingClient holder = BlockingClient.connect(server.address());
             BlockingClient peer = BlockingClient.connect(server.address())) {
            holder.handshake(TokenFile.read(token()), LEASE_MILLIS);
            assertOk(holder.call(1, new Op.Mkdirs("d")));

            peer.handshake(peerProof(), "peer" + FORGERY, LEASE_MILLIS);
            peer.send(new Message.Yield("B" + FORGERY, "its client lost A" + FORGERY));
            Message.Yielded yielded = assertInstanceOf(Message.Yielded.class, peer.receive());
            assertTrue(yielded.released(), yielded.detail());
            server.awaitOutput(Pattern.compile("server A yielded the reservation of \\S+ to B"), LOG_WAIT);

            // a connection opened before the yield is refused, naming the taker: escaped
            Message.Completion refused = holder.call(2, new Op.Stat("d"));
            assertEquals(Status.NOT_RESERVED, refused.status(), String.valueOf(refused));
            String text = refused.error();
            assertFalse(text.contains("\n") || text.contains("\r"), text);
            assertTrue(text.contains("to B\\n12:34:56.789 ERROR"), text);

            assertNoForgedRecord(server.output());
            assertTrue(server.output().contains("B\\n12:34:56.789 ERROR [reservation] Reservation - FORGED"), server.output());
        }
    }

    /** No line of the log is a record forged from a wire string: such text only appears escaped inside a real record. */
    static void assertNoForgedRecord(String output) {
        for (String line : output.split("\n", -1)) {
            assertFalse(FORGED_RECORD.matcher(line.strip()).matches(), "forged log record: " + line + "\nfull output:\n" + output);
        }
    }
}
