package org.hapager.pager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hapager.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per failure window of FIG. 5, each made deterministic by a fault point in the primary's process
 * (or by freezing a process): the caller's futures all complete successfully, exactly once, and the pages
 * read back are the ones written.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FailoverWindowsTest {

    private static final int PAGES = 16;

    @TempDir
    Path dir;

    /** The workload: request 1 creates the volume, requests 2.. write one page each, in flight together. */
    private static List<byte[]> writeAll(PagerClient client, Volume v, List<CompletableFuture<?>> futures) {
        futures.add(client.create(v.name(), false));
        Random random = new Random(42);
        List<byte[]> pages = new ArrayList<>();
        for (int page = 0; page < PAGES; page++) {
            byte[] bytes = new byte[v.pageSize()];
            random.nextBytes(bytes);
            pages.add(bytes);
            futures.add(client.write(v, page, ByteBuffer.wrap(bytes)));
        }
        return pages;
    }

    private static void assertAllCompletedOnceAndRight(PagerClient client, Volume v, List<byte[]> pages,
                                                       List<CompletableFuture<?>> futures) {
        AtomicInteger completions = new AtomicInteger();
        for (CompletableFuture<?> f : futures) {
            f.orTimeout(30, TimeUnit.SECONDS).join(); // throws if any failed
            f.thenRun(completions::incrementAndGet);
        }
        assertEquals(futures.size(), completions.get(), "every future completed exactly once");
        for (int page = 0; page < PAGES; page++) {
            ByteBuffer read = client.read(v, page, 1).orTimeout(30, TimeUnit.SECONDS).join().data();
            byte[] bytes = new byte[read.remaining()];
            read.get(bytes);
            assertArrayEquals(pages.get(page), bytes, "page " + page);
        }
        client.checkInvariants();
        assertEquals(0, client.inflight());
    }

    @Test
    void beforeSendRequestsWaitForTheSecondary() throws Exception {
        try (ServerPair pair = new ServerPair(dir)) {
            PagerClient client = pair.client();
            Volume v = Volume.of("w/504.dat");
            // The secondary is frozen, so when the primary dies the client cannot finish its handshake there:
            // everything submitted now waits QUEUED, never sent (step 504), until the secondary serves.
            pair.secondary.sigstop();
            pair.primary.kill9();
            awaitNoServer(client);
            List<CompletableFuture<?>> futures = new ArrayList<>();
            List<byte[]> pages = writeAll(client, v, futures);
            futures.forEach(f -> assertFalse(f.isDone(), "nothing can complete while no server serves"));
            pair.secondary.sigcont();
            assertAllCompletedOnceAndRight(client, v, pages, futures);
            assertEquals(pair.secondary.address(), client.currentServer());
        }
    }

    @Test
    void afterSendBeforeAcceptIsReissued() throws Exception {
        try (ServerPair pair = new ServerPair(dir, List.of("--fault", "halt-on-receive@6"), List.of())) {
            PagerClient client = pair.client();
            List<CompletableFuture<?>> futures = new ArrayList<>();
            Volume v = Volume.of("w/502.dat");
            List<byte[]> pages = writeAll(client, v, futures);
            assertAllCompletedOnceAndRight(client, v, pages, futures);
            assertEquals(137, exitCode(pair.primary));
        }
    }

    @Test
    void afterAcceptBeforeCompletionIsReissued() throws Exception {
        try (ServerPair pair = new ServerPair(dir, List.of("--fault", "halt-after-accept@6"), List.of())) {
            PagerClient client = pair.client();
            List<CompletableFuture<?>> futures = new ArrayList<>();
            Volume v = Volume.of("w/506.dat");
            List<byte[]> pages = writeAll(client, v, futures);
            assertAllCompletedOnceAndRight(client, v, pages, futures);
            assertEquals(137, exitCode(pair.primary));
        }
    }

    @Test
    void afterCompletionNothingIsRepeatedAndTheRestMoves() throws Exception {
        try (ServerPair pair = new ServerPair(dir, List.of("--fault", "halt-after-complete@6"), List.of())) {
            PagerClient client = pair.client();
            List<CompletableFuture<?>> futures = new ArrayList<>();
            Volume v = Volume.of("w/508.dat");
            List<byte[]> pages = writeAll(client, v, futures);
            assertAllCompletedOnceAndRight(client, v, pages, futures);
            assertEquals(137, exitCode(pair.primary));
        }
    }

    @Test
    void frozenPrimaryIsLeftAfterTheLeaseAndFenced() throws Exception {
        try (ServerPair pair = new ServerPair(dir, List.of("--fault", "stop-after-accept@6"), List.of())) {
            PagerClient client = pair.client();
            List<CompletableFuture<?>> futures = new ArrayList<>();
            Volume v = Volume.of("w/frozen.dat");
            List<byte[]> pages = writeAll(client, v, futures);
            assertAllCompletedOnceAndRight(client, v, pages, futures);
            // taking the reservation from a frozen holder fences it (default: kill -KILL its pid)
            assertTrue(pair.primary.awaitExit(Duration.ofSeconds(10)), () -> "the frozen primary was not fenced; the"
                    + " secondary's output:\n" + pair.secondary.output() + "\nthe primary's:\n" + pair.primary.output());
        }
    }

    private static int exitCode(org.hapager.server.process.PageServerProcess p) {
        assertTrue(p.awaitExit(Duration.ofSeconds(30)), () -> "the primary halted; its output:\n" + p.output());
        return p.exitCode();
    }

    private static void awaitNoServer(PagerClient client) {
        Await.until("the client to notice the loss of its server", Duration.ofSeconds(10),
                () -> client.currentServer() == null);
    }
}
