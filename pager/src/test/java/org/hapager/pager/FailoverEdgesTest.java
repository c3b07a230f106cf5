package org.hapager.pager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.hapager.server.process.PageServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Both servers down, a server coming back, split brain, and failback. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FailoverEdgesTest {

    @TempDir
    Path dir;

    @Test
    void bothDownFailsAtTheDeadlineNamingBothServers() throws Exception {
        try (ServerPair pair = new ServerPair(dir)) {
            PagerClient client = pair.client(Duration.ofMillis(500), Duration.ofSeconds(2));
            Volume v = Volume.of("down/a.dat");
            client.create(v.name(), false).join();
            pair.primary.kill9();
            pair.secondary.kill9();
            long start = System.nanoTime();
            CompletableFuture<Long> write = client.write(v, 0, ByteBuffer.allocate(4096));
            CompletionException e = assertThrows(CompletionException.class, () -> write.orTimeout(30, TimeUnit.SECONDS).join());
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            PageIoException p = (PageIoException) e.getCause();
            assertEquals(PageIoException.Kind.UNAVAILABLE, p.kind());
            assertTrue(p.getMessage().contains(pair.primary.address().toString())
                    && p.getMessage().contains(pair.secondary.address().toString())
                    && p.getMessage().contains("down/a.dat"), p.getMessage());
            assertTrue(waitedMillis >= 1_900 && waitedMillis < 10_000, "failed after " + waitedMillis + " ms, deadline 2000 ms");
        }
    }

    @Test
    void aServerReturningWithinTheDeadlineCompletesEverything() throws Exception {
        try (ServerPair pair = new ServerPair(dir)) {
            PagerClient client = pair.client(Duration.ofMillis(500), Duration.ofSeconds(60));
            Volume v = Volume.of("down/b.dat");
            client.create(v.name(), false).join();
            byte[] page = new byte[4096];
            page[7] = 7;
            client.write(v, 3, ByteBuffer.wrap(page)).join();
            pair.primary.kill9();
            pair.secondary.kill9();
            List<CompletableFuture<?>> waiting = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] b = new byte[4096];
                b[0] = (byte) i;
                waiting.add(client.write(v, 10 + i, ByteBuffer.wrap(b)));
            }
            CompletableFuture<PageRead> read = client.read(v, 3, 1);
            waiting.forEach(f -> assertFalse(f.isDone()));
            pair.restart(pair.secondary);
            waiting.forEach(f -> f.orTimeout(30, TimeUnit.SECONDS).join());
            assertArrayEquals(page, FailoverWorkloadTest.bytes(read.orTimeout(30, TimeUnit.SECONDS).join().data()));
            for (int i = 0; i < 8; i++) {
                assertEquals((byte) i, client.read(v, 10 + i, 1).join().data().get(0));
            }
        }
    }

    @Test
    void aFrozenPrimaryThatWakesUpCannotLandAStaleWrite() throws Exception {
        // The primary freezes right after accepting request 3, an old version of page 0 in its hands.
        try (ServerPair pair = new ServerPair(dir, List.of("--fault", "stop-after-accept@3"), List.of())) {
            PagerClient client = pair.client(Duration.ofMillis(500), Duration.ofSeconds(30));
            Volume v = Volume.of("split/brain.dat");
            client.create(v.name(), false).join();                      // request 1
            client.write(v, 1, ByteBuffer.wrap(filled(1))).join();      // request 2
            CompletableFuture<Long> old = client.write(v, 0, ByteBuffer.wrap(filled(0x0d))); // request 3: frozen
            old.orTimeout(30, TimeUnit.SECONDS).join();                 // reissued to the secondary
            assertEquals(pair.secondary.address(), client.currentServer());
            byte[] newest = filled(0x7e);
            client.write(v, 0, ByteBuffer.wrap(newest)).join();         // newer version through the secondary
            PageServerProcess frozen = pair.primary;
            if (frozen.isAlive()) {
                frozen.sigcont();                                       // wake it: its old write must not land
            }
            client.sync(v.name()).join();
            assertArrayEquals(newest, FailoverWorkloadTest.bytes(client.read(v, 0, 1).join().data()));
            // and straight from the shared storage, whatever either server caches
            byte[] onDisk = java.nio.file.Files.readAllBytes(pair.data.resolve("volumes").resolve(v.name()));
            assertArrayEquals(newest, java.util.Arrays.copyOf(onDisk, 4096));
        }
    }

    @Test
    void aRestartedServerBecomesTheSecondaryAndTheClientDoesNotFlap() throws Exception {
        try (ServerPair pair = new ServerPair(dir)) {
            PagerClient client = pair.client();
            Volume v = Volume.of("back/a.dat");
            client.create(v.name(), false).join();
            pair.primary.kill9();
            client.write(v, 0, ByteBuffer.wrap(filled(1))).orTimeout(30, TimeUnit.SECONDS).join();
            assertEquals(pair.secondary.address(), client.currentServer());
            pair.restart(pair.primary);
            for (int i = 0; i < 20; i++) {
                client.write(v, i, ByteBuffer.wrap(filled(i))).join();
            }
            assertEquals(pair.secondary.address(), client.currentServer(), "no failback while the secondary lives");
            // now the secondary dies: the client goes back to the restarted first server
            pair.secondary.kill9();
            client.write(v, 0, ByteBuffer.wrap(filled(9))).orTimeout(30, TimeUnit.SECONDS).join();
            assertEquals(pair.primary.address(), client.currentServer());
            pair.restart(pair.secondary);
            pair.primary.kill9();                      // and once more, the same replacement twice
            assertArrayEquals(filled(9), FailoverWorkloadTest.bytes(client.read(v, 0, 1).orTimeout(30, TimeUnit.SECONDS).join().data()));
            assertEquals(pair.secondary.address(), client.currentServer());
        }
    }

    private static byte[] filled(int value) {
        byte[] b = new byte[4096];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }
}
