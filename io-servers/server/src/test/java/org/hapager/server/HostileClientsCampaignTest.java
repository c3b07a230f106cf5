package org.hapager.server;

import static org.hapager.server.testing.Pages.assertOk;
import static org.hapager.server.testing.Pages.bytesOf;
import static org.hapager.server.testing.Pages.write;
import static org.hapager.server.testing.ServerProbe.awaitTrue;
import static org.hapager.server.testing.ServerProbe.metricsUrl;
import static org.hapager.server.testing.ServerProbe.rssBytes;
import static org.hapager.server.testing.ServerProbe.scrape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hapager.server.process.PageServerProcess;
import org.hapager.server.testing.BlockingClient;
import org.hapager.server.testing.TempServerDirectory;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.Status;
import org.hapager.wire.TokenFile;
import org.junit.jupiter.api.Test;

/**
 * Every attack on the page server, one after another, against one real process: huge frames before
 * authentication, more unauthenticated connections than allowed, readers that never read, a client's YIELD
 * with forged log lines in it, a sparse write far past the size limit, names in scripts the server's locale
 * cannot spell, and half-sent requests to the metrics endpoint. After each one an ordinary client writes and
 * reads, and the server's RSS is sampled: it must stay under its ready size plus the heap's maximum and twice
 * the buffer budget. At the end SIGTERM must end the process while an attacker is still connected.
 */
class HostileClientsCampaignTest extends TempServerDirectory {

    static final int PAGE = 4096;
    static final int BUDGET_MIB = 64;
    /** The heap's maximum in PageServerProcess (-Xmx256m) and the buffer budget twice over. */
    static final long RSS_GROWTH_BOUND = (256L << 20) + 2L * (BUDGET_MIB << 20);

    @Test
    void theServerStaysBoundedAndServesThroughEveryAttack() throws Exception {
        try (PageServerProcess server = PageServerProcess.start(data(), token(), "--metrics-port", "0",
                "--max-buffer-mib", Integer.toString(BUDGET_MIB), "--max-volume-bytes", Long.toString(1L << 30),
                "--drain-timeout-ms", "1000")) {
            byte[] secret = TokenFile.read(token());
            String metrics = metricsUrl(server);
            long rssReady = rssBytes(server.pid());
            Map<String, Long> rssAfter = new LinkedHashMap<>();
            Random random = new Random(20261202);
            byte[] big = new byte[16 * 64 * 1024];
            random.nextBytes(big);
            try (BlockingClient setup = BlockingClient.connect(server.address())) {
                setup.handshake(secret, 10_000);
                assertOk(setup.call(1, new Op.Create("big", true)));
                assertOk(setup.call(2, write("big", 64 * 1024, 0, big)));
            }

            // 1. 256 connections announcing a 1 MiB HELLO and sending 64 KiB of it
            List<Socket> hugeHellos = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                Socket s = new Socket();
                s.connect(server.address(), 10_000);
                hugeHellos.add(s);
                try {
                    OutputStream out = s.getOutputStream();
                    out.write(ByteBuffer.allocate(4).putInt(1_114_112).array());
                    out.write(new byte[64 * 1024]);
                } catch (IOException refused) {
                    // closed by the server from the length prefix already
                }
            }
            servedMeanwhile(server, secret, random, "after 256 huge HELLOs");
            closeAll(hugeHellos);
            rssAfter.put("huge HELLOs", rssBytes(server.pid()));

            // 2. 200 connections that connect and say nothing (the default cap is 64)
            List<Socket> idle = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                Socket s = new Socket();
                s.connect(server.address(), 10_000);
                idle.add(s);
            }
            servedMeanwhile(server, secret, random, "while 200 connections say nothing");
            closeAll(idle);
            rssAfter.put("idle connections", rssBytes(server.pid()));

            // 3. six clients that ask for 250 MiB of answers each and read none
            List<BlockingClient> readers = new ArrayList<>();
            for (int a = 0; a < 6; a++) {
                BlockingClient reader = BlockingClient.connect(server.address(), 4096);
                readers.add(reader);
                reader.handshake(secret, 10_000);
                for (int i = 1; i <= 250; i++) {
                    reader.send(new Message.Request(i, new Op.Read("big", 64 * 1024, 0, 16)));
                }
            }
            awaitTrue(() -> scrape(metrics, "hapager_server_paused_sessions") >= 1, "a reader paused", server);
            servedMeanwhile(server, secret, random, "while six clients do not read");
            rssAfter.put("slow readers", rssBytes(server.pid()));
            BlockingClient lastReader = readers.remove(readers.size() - 1); // stays until SIGTERM
            for (BlockingClient r : readers) {
                r.close();
            }

            // 4. a client's YIELD, with forged log lines in the taker id
            try (BlockingClient yielder = BlockingClient.connect(server.address())) {
                yielder.handshake(secret, 10_000);
                yielder.send(new Message.Yield("taker\n12:00:00.000 ERROR [main] PageServer - FORGED", "take over"));
                Message answer = yielder.receive();
                assertInstanceOf(Message.Error.class, answer, "a client's YIELD is refused: " + answer);
            }
            assertTrue(!server.output().contains("\n12:00:00.000 ERROR [main] PageServer - FORGED"), server.output());
            servedMeanwhile(server, secret, random, "after a client's YIELD (the reservation is kept)");
            rssAfter.put("YIELD", rssBytes(server.pid()));

            // 5. a sparse write at 1 TiB, past --max-volume-bytes
            try (BlockingClient sparse = BlockingClient.connect(server.address())) {
                sparse.handshake(secret, 10_000);
                assertOk(sparse.call(1, new Op.Create("sparse", true)));
                Message.Completion far = sparse.call(2, writeOne("sparse", (1L << 40) / PAGE, random));
                assertEquals(Status.INVALID, far.status(), far.error());
                Message.Completion stat = sparse.call(3, new Op.Stat("sparse"));
                assertEquals(new Outcome.Stat(true, false, 0), stat.outcome(), "nothing was written");
            }
            rssAfter.put("sparse write", rssBytes(server.pid()));

            // 6. names in scripts: stored and served the same whatever the server's locale
            try (BlockingClient names = BlockingClient.connect(server.address())) {
                names.handshake(secret, 10_000);
                int id = 1;
                for (String name : List.of("ünï/çödé.dat", "日本/語.dat", "emoji/\uD83D\uDE00.dat")) {
                    assertOk(names.call(id++, new Op.Create(name, true)));
                    Op.Write w = writeOne(name, 3, random);
                    assertOk(names.call(id++, w));
                    Message.Completion read = names.call(id++, new Op.Read(name, PAGE, 3, 1));
                    assertOk(read);
                    assertEquals(w.data(), ((Outcome.PagesRead) read.outcome()).data(), name);
                }
            }
            rssAfter.put("script names", rssBytes(server.pid()));

            // 7. half-sent requests to the metrics endpoint: a scrape is still answered
            List<Socket> halfRequests = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                Socket s = new Socket("127.0.0.1", URI.create(metrics).getPort());
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                halfRequests.add(s);
            }
            HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metrics))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, scrape.statusCode());
            closeAll(halfRequests);
            rssAfter.put("metrics half-requests", rssBytes(server.pid()));

            StringBuilder figures = new StringBuilder("server RSS at ready " + (rssReady >> 20) + " MiB; after each attack:");
            rssAfter.forEach((attack, rss) -> figures.append(' ').append(attack).append(' ').append(rss >> 20).append(" MiB;"));
            System.out.println(figures);
            for (Map.Entry<String, Long> e : rssAfter.entrySet()) {
                assertTrue(e.getValue() - rssReady <= RSS_GROWTH_BOUND, figures + " bound: ready + "
                        + (RSS_GROWTH_BOUND >> 20) + " MiB, passed after " + e.getKey());
            }

            // SIGTERM ends the process with a reader that never reads still connected
            int exit = server.sigterm(Duration.ofSeconds(30));
            assertTrue(exit == 0 || exit == 1, "exit " + exit);
            lastReader.close();
        }
    }

    /** An ordinary client creates, writes and reads a volume of its own. */
    private static void servedMeanwhile(PageServerProcess server, byte[] secret, Random random, String when) throws IOException {
        String volume = "ordinary/" + Long.toHexString(random.nextLong());
        try (BlockingClient client = BlockingClient.connect(server.address())) {
            client.handshake(secret, 10_000);
            assertOk(client.call(1, new Op.Create(volume, true)));
            Op.Write w = writeOne(volume, 0, random);
            assertOk(client.call(2, w));
            Message.Completion read = client.call(3, new Op.Read(volume, PAGE, 0, 1));
            assertArrayEquals(w.data().array(), bytesOf(read), "a client's page read back " + when);
        }
    }

    private static Op.Write writeOne(String volume, long page, Random random) {
        byte[] bytes = new byte[PAGE];
        random.nextBytes(bytes);
        return write(volume, PAGE, page, bytes);
    }

    private static void closeAll(List<Socket> sockets) throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
    }
}
