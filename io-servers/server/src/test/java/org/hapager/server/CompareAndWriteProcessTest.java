package org.hapager.server;

import static org.hapager.server.testing.Pages.assertOk;
import static org.hapager.server.testing.Pages.bytesOf;
import static org.hapager.server.testing.Pages.compareAndWrite;
import static org.hapager.server.testing.Pages.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hapager.server.process.PageServerProcess;
import org.hapager.server.testing.BlockingClient;
import org.hapager.server.testing.TempServerDirectory;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.hapager.wire.Status;
import org.hapager.wire.TokenFile;
import org.junit.jupiter.api.Test;

/**
 * COMPARE_AND_WRITE on a real page-server process: it writes only when the page holds the expected bytes, a
 * miscompare answers with the page as it is, and of several clients racing to change one page from the same
 * bytes exactly one wins, round after round.
 */
class CompareAndWriteProcessTest extends TempServerDirectory {

    private static final int PAGE = 512;
    private static final String LOCK = "db/dbex.lck";

    @Test
    void writesOnlyWhenThePageHoldsTheExpectedBytes() throws Exception {
        byte[] zeros = new byte[PAGE];
        byte[] first = filled(1);
        byte[] second = filled(2);
        try (PageServerProcess server = PageServerProcess.start(data(), token());
             BlockingClient client = BlockingClient.connect(server.address())) {
            client.handshake(TokenFile.read(token()), 5000);
            assertOk(client.call(1, new Op.Create(LOCK, true)));

            Outcome.Compared written = compared(client.call(2, compareAndWrite(LOCK, 0, zeros, first)));
            assertTrue(written.written(), "an empty volume's page compares as zeros");
            assertEquals(PAGE, written.volumeLength());
            assertArrayEquals(first, bytesOf(client.call(3, new Op.Read(LOCK, PAGE, 0, 1))));

            Outcome.Compared refused = compared(client.call(4, compareAndWrite(LOCK, 0, zeros, second)));
            assertFalse(refused.written());
            assertArrayEquals(first, bytes(refused.current()), "a miscompare answers with the page as it is");
            assertEquals(PageChecksums.compute(ByteBuffer.wrap(first), PAGE, 1)[0], refused.crc());
            assertArrayEquals(first, bytesOf(client.call(5, new Op.Read(LOCK, PAGE, 0, 1))), "and leaves it");

            assertOk(client.call(6, write(LOCK, PAGE, 0, second))); // a plain write changes what it compares with
            assertTrue(compared(client.call(7, compareAndWrite(LOCK, 0, second, first))).written());
            assertArrayEquals(first, bytesOf(client.call(8, new Op.Read(LOCK, PAGE, 0, 1))));

            Message.Completion corrupt = client.call(9, new Op.CompareAndWrite(LOCK, PAGE, 0, 0, ByteBuffer.wrap(first),
                    0, ByteBuffer.wrap(second)));
            assertEquals(Status.CHECKSUM_MISMATCH, corrupt.status(), corrupt.error());
            assertEquals(Status.NOT_FOUND, client.call(10, compareAndWrite("db/none", 0, zeros, first)).status());
        }
    }

    @Test
    void ofClientsRacingFromTheSameBytesExactlyOneWins() throws Exception {
        int clients = 4;
        int rounds = 60;
        try (PageServerProcess server = PageServerProcess.start(data(), token())) {
            List<BlockingClient> connections = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                for (int c = 0; c < clients; c++) {
                    BlockingClient client = BlockingClient.connect(server.address());
                    connections.add(client);
                    client.handshake(TokenFile.read(token()), 5000);
                }
                assertOk(connections.get(0).call(0, new Op.Create(LOCK, true)));
                byte[] before = new byte[PAGE];
                for (int round = 1; round <= rounds; round++) {
                    byte[] expected = before;
                    List<Future<Outcome.Compared>> answers = new ArrayList<>();
                    for (int c = 0; c < clients; c++) {
                        BlockingClient client = connections.get(c);
                        byte[] mine = filled(round * clients + c);
                        long id = round;
                        answers.add(pool.submit(() -> compared(client.call(id, compareAndWrite(LOCK, 0, expected, mine)))));
                    }
                    int winner = -1;
                    for (int c = 0; c < clients; c++) {
                        Outcome.Compared answer = answers.get(c).get(30, TimeUnit.SECONDS);
                        if (answer.written()) {
                            assertEquals(-1, winner, "round " + round + ": clients " + winner + " and " + c + " both won");
                            winner = c;
                        }
                    }
                    assertTrue(winner >= 0, "round " + round + ": nobody won");
                    byte[] won = filled(round * clients + winner);
                    for (int c = 0; c < clients; c++) {
                        Outcome.Compared answer = answers.get(c).get();
                        if (!answer.written()) {
                            assertArrayEquals(won, bytes(answer.current()), "round " + round + ": loser " + c
                                    + " saw the winner's page");
                        }
                    }
                    assertArrayEquals(won, bytesOf(connections.get(0).call(1000 + round, new Op.Read(LOCK, PAGE, 0, 1))));
                    before = won;
                }
            } finally {
                pool.shutdownNow();
                for (BlockingClient c : connections) {
                    c.close();
                }
            }
        }
    }

    private static Outcome.Compared compared(Message.Completion c) {
        assertOk(c);
        return assertInstanceOf(Outcome.Compared.class, c.outcome());
    }

    private static byte[] filled(int value) {
        byte[] b = new byte[PAGE];
        Arrays.fill(b, (byte) value);
        b[0] = (byte) (value >> 8); // distinct beyond 256 values
        return b;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer d = buffer.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
