package org.hapager.server;

import static org.hapager.server.testing.Pages.assertOk;
import static org.hapager.server.testing.Pages.write;
import static org.hapager.server.testing.ServerProbe.awaitTrue;
import static org.hapager.server.testing.ServerProbe.metricsUrl;
import static org.hapager.server.testing.ServerProbe.rssBytes;
import static org.hapager.server.testing.ServerProbe.scrape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.hapager.server.process.PageServerProcess;
import org.hapager.server.testing.BlockingClient;
import org.hapager.server.testing.TempServerDirectory;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.TokenFile;
import org.junit.jupiter.api.Test;

/**
 * Clients that send reads and never read the answers, against a real page-server process: the server's
 * memory stays bounded by its buffer budget, other clients go on being served, the budget comes back when the
 * readers leave, and SIGTERM ends the process while one of them is still connected.
 */
class SlowReaderTest extends TempServerDirectory {

    static final int PAGE = 64 * 1024;
    static final int PAGES = 16; // 1 MiB, the largest read
    static final int READS = 250;
    /**
     * Direct buffers the server may hold with a 64 MiB budget: twice the budget (the allocator keeps what it freed
     * for reuse, and a buffer being resized exists twice for a moment) and 32 MiB of slack.
     */
    static final long DIRECT_BOUND = (2L * 64 << 20) + (32L << 20);
    /**
     * The server's RSS may grow by this much: its heap (-Xmx256m in PageServerProcess) filling with read buffers
     * that are garbage, and the direct bound.
     */
    static final long RSS_GROWTH_BOUND = (256L << 20) + DIRECT_BOUND;

    @Test
    void readersThatNeverReadCannotGrowTheServerNorStallOthers() throws Exception {
        Path token = token();
        try (PageServerProcess server = PageServerProcess.start(data(), token, "--metrics-port", "0",
                "--max-buffer-mib", "64", "--max-connection-buffer-mib", "16", "--drain-timeout-ms", "1000")) {
            byte[] secret = TokenFile.read(token);
            byte[] pages = new byte[PAGE * PAGES];
            new Random(7).nextBytes(pages);
            try (BlockingClient setup = BlockingClient.connect(server.address())) {
                setup.handshake(secret, 10_000);
                assertOk(setup.call(1, new Op.Create("big", true)));
                assertOk(setup.call(2, write("big", PAGE, 0, pages)));
                assertOk(setup.call(3, new Op.Read("big", PAGE, 0, PAGES)));
            }
            long rssBefore = rssBytes(server.pid());

            // six readers: 6 x 250 MiB asked for, 6 x 16 MiB allowed per connection, 64 MiB in all
            List<BlockingClient> attackers = new ArrayList<>();
            try {
                for (int a = 0; a < 6; a++) {
                    BlockingClient attacker = BlockingClient.connect(server.address(), 4096);
                    attackers.add(attacker);
                    attacker.handshake(secret, 10_000);
                    for (int i = 1; i <= READS; i++) {
                        attacker.send(new Message.Request(i, new Op.Read("big", PAGE, 0, PAGES)));
                    }
                }
                String metrics = metricsUrl(server);
                // the budget (64 MiB) holds four readers' shares: two wait, and the stalled ones are closed for them
                awaitTrue(() -> scrape(metrics, "hapager_server_paused_sessions") >= 1, "a reader's connection paused",
                        server);
                double buffered = scrape(metrics, "hapager_server_buffered_bytes");
                assertTrue(buffered <= 64 << 20, "buffered " + buffered + " bytes, budget 64 MiB");

                // others are served meanwhile (a read waits at most 10 s in BlockingClient)
                for (int c = 0; c < 4; c++) {
                    try (BlockingClient other = BlockingClient.connect(server.address())) {
                        other.handshake(secret, 10_000);
                        assertOk(other.call(1, new Op.Create("other" + c, true)));
                        assertOk(other.call(2, write("other" + c, PAGE, 0, pages)));
                        Message.Completion read = other.call(3, new Op.Read("big", PAGE, 0, PAGES));
                        assertOk(read);
                        ByteBuffer got = ((Outcome.PagesRead) read.outcome()).data();
                        assertEquals(ByteBuffer.wrap(pages), got);
                    }
                }
                double direct = scrape(metrics, "jvm_buffer_memory_used_bytes{id=\"direct\"}");
                assertTrue(direct >= 0 && direct <= DIRECT_BOUND, "the server holds " + ((long) direct >> 20)
                        + " MiB of direct buffers while six clients do not read (bound " + (DIRECT_BOUND >> 20) + " MiB)");
                long growth = rssBytes(server.pid()) - rssBefore;
                System.out.printf("six readers that do not read: direct buffers %d MiB, RSS growth %d MiB%n",
                        (long) direct >> 20, growth >> 20);
                assertTrue(growth <= RSS_GROWTH_BOUND, "the server's RSS grew by " + (growth >> 20)
                        + " MiB while six clients did not read (bound " + (RSS_GROWTH_BOUND >> 20) + " MiB)");

                for (int a = 1; a < attackers.size(); a++) {
                    attackers.get(a).close();
                }
                // the first attacker stays connected and unread through SIGTERM
                int exit = server.sigterm(Duration.ofSeconds(30));
                assertTrue(exit == 0 || exit == 1, "exit " + exit + "\n" + server.output());
            } finally {
                for (BlockingClient attacker : attackers) {
                    attacker.close();
                }
            }
        }
    }

    @Test
    void theDefaultBudgetComesBackWhenTheReadersLeave() throws Exception {
        Path token = token();
        // the default budget: 32 MiB per connection, 128 MiB in all under PageServerProcess's -Xmx256m
        try (PageServerProcess server = PageServerProcess.start(data(), token, "--metrics-port", "0")) {
            byte[] secret = TokenFile.read(token);
            byte[] pages = new byte[PAGE * PAGES];
            new Random(8).nextBytes(pages);
            String metrics = metricsUrl(server);
            try (BlockingClient setup = BlockingClient.connect(server.address())) {
                setup.handshake(secret, 10_000);
                assertOk(setup.call(1, new Op.Create("big", true)));
                assertOk(setup.call(2, write("big", PAGE, 0, pages)));
            }
            for (int round = 0; round < 3; round++) {
                try (BlockingClient a = BlockingClient.connect(server.address(), 4096);
                     BlockingClient b = BlockingClient.connect(server.address(), 4096)) {
                    a.handshake(secret, 10_000);
                    b.handshake(secret, 10_000);
                    for (int i = 1; i <= 64; i++) {
                        a.send(new Message.Request(i, new Op.Read("big", PAGE, 0, PAGES)));
                        b.send(new Message.Request(i, new Op.Read("big", PAGE, 0, PAGES)));
                    }
                    awaitTrue(() -> scrape(metrics, "hapager_server_paused_sessions") >= 2, "both readers paused", server);
                }
                awaitTrue(() -> scrape(metrics, "hapager_server_buffered_bytes") == 0
                        && scrape(metrics, "hapager_server_paused_sessions") == 0, "the budget released", server);
            }
            try (BlockingClient after = BlockingClient.connect(server.address())) {
                after.handshake(secret, 10_000);
                assertOk(after.call(1, new Op.Read("big", PAGE, 0, PAGES)));
            }
        }
    }

    /** More unfinished 1 MiB frames than the JVM's 256 MiB of direct memory could hold. */
    static final int SENDERS = 250;
    /** With a 64 MiB budget: the admitted frames (each in a buffer of its size, freed when done) and 32 MiB of slack. */
    static final long FRAMES_DIRECT_BOUND = (64L << 20) + (32L << 20);

    /**
     * Authenticated clients that each send all of a 1 MiB write frame but its last byte: a frame holds its length
     * of the budget from its length prefix on, so the unfinished frames stay within the budget (the rest of the
     * connections are not read), the ones that make no progress are closed while others wait, and an ordinary
     * client's writes and reads go through.
     */
    @Test
    void unfinishedFramesOfAuthenticatedClientsStayWithinTheBudget() throws Exception {
        Path token = token();
        try (PageServerProcess server = PageServerProcess.start(data(), token, "--metrics-port", "0",
                "--max-buffer-mib", "64", "--max-connection-buffer-mib", "16")) {
            byte[] secret = TokenFile.read(token);
            String metrics = metricsUrl(server);
            byte[] pages = new byte[PAGE * PAGES];
            new Random(9).nextBytes(pages);
            byte[] frame = encodedFrame(new Message.Request(1, write("big", PAGE, 0, pages)));
            List<BlockingClient> senders = new ArrayList<>();
            try {
                for (int c = 0; c < SENDERS; c++) {
                    BlockingClient sender = BlockingClient.connect(server.address());
                    senders.add(sender);
                    sender.handshake(secret, 10_000);
                    try {
                        sender.sendRaw(java.util.Arrays.copyOf(frame, frame.length - 1));
                    } catch (IOException closed) {
                        // evicted as stalled while this test was still sending to it
                    }
                }
                double direct = scrape(metrics, "jvm_buffer_memory_used_bytes{id=\"direct\"}");
                double buffered = scrape(metrics, "hapager_server_buffered_bytes");
                System.out.printf("%d unfinished 1 MiB frames: direct buffers %d MiB (Netty's allocator %d MiB), budget held"
                        + " %d MiB%n", SENDERS, (long) direct >> 20,
                        (long) scrape(metrics, "hapager_server_netty_direct_bytes") >> 20, (long) buffered >> 20);
                assertTrue(buffered <= 64 << 20, "budget held " + buffered);
                assertTrue(direct <= FRAMES_DIRECT_BOUND, "the server holds " + ((long) direct >> 20)
                        + " MiB of direct buffers for unfinished frames (bound " + (FRAMES_DIRECT_BOUND >> 20) + " MiB)");
                try (BlockingClient other = BlockingClient.connect(server.address())) {
                    other.handshake(secret, 10_000);
                    assertOk(other.call(1, new Op.Create("other", true)));
                    assertOk(other.call(2, write("other", PAGE, 0, pages)));
                    Message.Completion read = other.call(3, new Op.Read("other", PAGE, 0, PAGES));
                    assertOk(read);
                    assertEquals(ByteBuffer.wrap(pages), ((Outcome.PagesRead) read.outcome()).data());
                }
            } finally {
                for (BlockingClient sender : senders) {
                    sender.close();
                }
            }
        }
    }

    static byte[] encodedFrame(Message message) {
        io.netty.buffer.ByteBuf buf = io.netty.buffer.Unpooled.buffer();
        new org.hapager.wire.MessageCodec(org.hapager.wire.WireLimits.DEFAULT).encodeFrame(message, buf);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        buf.release();
        return bytes;
    }
}
