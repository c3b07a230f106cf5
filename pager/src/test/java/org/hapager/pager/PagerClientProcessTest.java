package org.hapager.pager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.hapager.server.process.PageServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real page-server process. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PagerClientProcessTest {

    @TempDir
    Path dir;
    Path data;
    Path token;
    PageServerProcess server;
    final List<PagerClient> clients = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        data = Files.createDirectories(dir.resolve("data"));
        token = dir.resolve("token");
        server = PageServerProcess.start(data, token);
    }

    @AfterEach
    void stop() {
        clients.forEach(PagerClient::close);
        if (server != null) {
            server.close();
        }
    }

    PagerClient client(PageServerProcess to, Duration lease, int maxInflight, Duration submitTimeout) throws Exception {
        PagerClient client = PagerClient.connect(PagerConfig.builder().servers(to.address()).tokenFile(token)
                .lease(lease).maxInflight(maxInflight).submitTimeout(submitTimeout).build());
        clients.add(client);
        return client;
    }

    PagerClient client() throws Exception {
        return client(server, Duration.ofSeconds(1), 256, Duration.ofSeconds(30));
    }

    @Test
    void writeThenReadPagesAndPastTheEnd() throws Exception {
        PagerClient client = client();
        Volume v = Volume.of("db1/seg0/c10.dat", 512);
        client.create(v.name(), true).join();
        ByteBuffer pages = ByteBuffer.allocate(3 * 512);
        new Random(1).nextBytes(pages.array());
        assertEquals(3 * 512L, client.write(v, 0, pages).join());

        PageRead read = client.read(v, 1, 4).join();
        assertEquals(3 * 512L, read.volumeLength());
        byte[] expected = new byte[4 * 512];
        System.arraycopy(pages.array(), 512, expected, 0, 2 * 512); // pages 3 and 4 are past the end: zeros
        assertArrayEquals(expected, bytes(read.data()));

        ByteBuffer frame = ByteBuffer.allocateDirect(512);
        assertEquals(3 * 512L, client.read(v, 2, frame).join());
        assertEquals(0, frame.position(), "the caller's buffer position is unchanged");
        byte[] page2 = new byte[512];
        frame.get(page2);
        assertArrayEquals(java.util.Arrays.copyOfRange(pages.array(), 1024, 1536), page2);
        client.checkInvariants();
    }

    /**
     * Compare-and-write through the pager: written when the page holds the expected bytes, else not, with the
     * page as it is; and of two clients racing from the same bytes, round after round, exactly one wins.
     */
    @Test
    void compareAndWriteWritesOnlyOverTheExpectedBytesAndOneOfTwoRacersWins() throws Exception {
        PagerClient a = client();
        PagerClient b = client();
        Volume v = Volume.of("db1/dbex.lck", 512);
        a.create(v.name(), true).join();
        ByteBuffer zeros = ByteBuffer.allocate(512);
        CompareAndWriteResult first = a.compareAndWrite(v, 0, zeros, filled(1)).join();
        assertTrue(first.written(), "a new volume's page compares as zeros");
        assertEquals(512L, first.volumeLength());
        CompareAndWriteResult refused = b.compareAndWrite(v, 0, zeros, filled(2)).join();
        assertFalse(refused.written());
        assertEquals(filled(1), refused.current(), "a miscompare returns the page as it is");
        assertEquals(filled(1), a.read(v, 0, 1).join().data(), "and leaves it so");

        ByteBuffer before = filled(1);
        for (int round = 0; round < 40; round++) {
            ByteBuffer mineA = filled(10 + 2 * round);
            ByteBuffer mineB = filled(11 + 2 * round);
            CompletableFuture<CompareAndWriteResult> fa = a.compareAndWrite(v, 0, before, mineA);
            CompletableFuture<CompareAndWriteResult> fb = b.compareAndWrite(v, 0, before, mineB);
            CompareAndWriteResult ra = fa.get(30, TimeUnit.SECONDS);
            CompareAndWriteResult rb = fb.get(30, TimeUnit.SECONDS);
            assertTrue(ra.written() ^ rb.written(), "round " + round + ": exactly one wins (a " + ra.written()
                    + ", b " + rb.written() + ")");
            ByteBuffer won = ra.written() ? mineA : mineB;
            assertEquals(won, (ra.written() ? rb : ra).current(), "round " + round + ": the loser sees the winner's page");
            assertEquals(won, a.read(v, 0, 1).join().data());
            before = won;
        }
        assertThrows(CompletionException.class, () -> a.compareAndWrite(v, 0, ByteBuffer.allocate(100), filled(3)).join(),
                "one page each, or nothing is sent");
        a.checkInvariants();
        b.checkInvariants();
    }

    private static ByteBuffer filled(int value) {
        ByteBuffer page = ByteBuffer.allocate(512);
        while (page.hasRemaining()) {
            page.put((byte) value);
        }
        return page.clear();
    }

    /** A client reopened on the same registry (as the Derby engine does per boot) owns the gauges. */
    @Test
    void closingAClientRemovesItsGaugesSoTheNextOneOnTheRegistryOwnsThem() throws Exception {
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        for (int round = 0; round < 2; round++) {
            PagerClient c = PagerClient.connect(PagerConfig.builder().servers(server.address()).tokenFile(token)
                    .meterRegistry(registry).build());
            c.create("gauges", false).join();
            c.write(Volume.of("gauges"), 0, ByteBuffer.allocate(4096)).join();
            assertEquals(1, registry.find("hapager.pager.inflight").gauges().size());
            assertEquals(1.0, registry.get("hapager.pager.server.current").gauge().value(), "the open client serves");
            c.close();
            assertTrue(registry.find("hapager.pager.inflight").gauges().isEmpty(), "round " + round + ": gauge removed at close");
            assertTrue(registry.find("hapager.pager.server.current").gauges().isEmpty());
        }
        assertEquals(2, registry.get("hapager.pager.io").tag("op", "write").tag("outcome", "ok").timer().count(),
                "counters and timers carry on across clients");
    }

    @Test
    void missingVolumeIsAClearError() throws Exception {
        PagerClient client = client();
        PageIoException e = failure(client.read(Volume.of("no/such.dat"), 0, 1));
        assertEquals(PageIoException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("no/such.dat"), e.getMessage());
        assertFalse(client.stat("no/such.dat").join().exists());
    }

    @Test
    void namesThatEscapeAreRefusedBeforeSending() throws Exception {
        PagerClient client = client();
        for (String bad : List.of("../etc/passwd", "/abs", "a//b", "a\\b", "a/./b", "nul\0x", "")) {
            assertEquals(PageIoException.Kind.INVALID, failure(client.create(bad, false)).kind(), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> Volume.of("../x"));
        assertTrue(Files.notExists(dir.resolve("etc")));
    }

    @Test
    void wrongTokenCannotConnect() throws Exception {
        PagerConfig config = PagerConfig.builder().servers(server.address())
                .token("not-the-right-token-at-all".getBytes(StandardCharsets.UTF_8)).build();
        PageIoException e = assertThrows(PageIoException.class, () -> PagerClient.connect(config));
        assertEquals(PageIoException.Kind.UNAVAILABLE, e.kind());
        assertTrue(server.isAlive());
        client().stat("x").join(); // the server still serves others
    }

    @Test
    void syncedWritesSurviveKillNine() throws Exception {
        PagerClient client = client();
        Volume v = Volume.of("t/durable.dat");
        client.create(v.name(), true).join();
        Random random = new Random(7);
        List<byte[]> written = new ArrayList<>();
        List<CompletableFuture<Long>> writes = new ArrayList<>();
        for (int page = 0; page < 64; page++) {
            byte[] bytes = new byte[4096];
            random.nextBytes(bytes);
            written.add(bytes);
            writes.add(client.write(v, page, ByteBuffer.wrap(bytes)));
        }
        client.sync(v.name()).join();
        writes.forEach(w -> assertTrue(w.isDone() && !w.isCompletedExceptionally(), "sync completes after earlier writes"));
        server.kill9();

        server = PageServerProcess.start(data, token);
        PagerClient again = client();
        for (int page = 0; page < 64; page++) {
            assertArrayEquals(written.get(page), bytes(again.read(v, page, 1).join().data()), "page " + page);
        }
    }

    @Test
    void backpressureBoundsWhatIsInFlight() throws Exception {
        PagerClient client = client(server, Duration.ofSeconds(10), 4, Duration.ofMillis(200));
        Volume v = Volume.of("bp.dat");
        client.create(v.name(), true).join();
        server.sigstop();
        try {
            List<CompletableFuture<Long>> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                held.add(client.write(v, i, ByteBuffer.allocate(4096)));
            }
            assertEquals(4, client.inflight());
            PageIoException e = failure(client.write(v, 9, ByteBuffer.allocate(4096)));
            assertEquals(PageIoException.Kind.REJECTED, e.kind());
            assertTrue(e.getMessage().contains("in flight"), e.getMessage());
            server.sigcont();
            held.forEach(CompletableFuture::join);
        } finally {
            server.sigcont();
        }
        assertEquals(0, client.inflight());
        client.checkInvariants();
    }

    @Test
    void aFrozenOnlyServerFailsRequestsAtTheDeadlineInsteadOfHanging() throws Exception {
        PagerClient client = PagerClient.connect(PagerConfig.builder().servers(server.address()).tokenFile(token)
                .lease(Duration.ofMillis(500)).failoverDeadline(Duration.ofSeconds(1)).connectTimeout(Duration.ofSeconds(5)).build());
        clients.add(client);
        Volume v = Volume.of("frozen.dat");
        client.create(v.name(), true).join();
        server.sigstop();
        long start = System.nanoTime();
        CompletableFuture<Long> write = client.write(v, 0, ByteBuffer.allocate(4096));
        PageIoException e = failure(write);
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(PageIoException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("frozen.dat") && e.getMessage().contains(server.address().toString()), e.getMessage());
        assertTrue(waitedMillis < 10_000, "failed after " + waitedMillis + " ms, not at lease + deadline");
        server.sigcont();
        // the server is back: the client reconnects and carries on
        assertEquals(4096L, client.write(v, 0, ByteBuffer.allocate(4096)).orTimeout(30, TimeUnit.SECONDS).join());
    }

    static PageIoException failure(CompletableFuture<?> future) {
        CompletionException e = assertThrows(CompletionException.class, () -> future.orTimeout(30, TimeUnit.SECONDS).join());
        return (PageIoException) e.getCause();
    }

    static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
