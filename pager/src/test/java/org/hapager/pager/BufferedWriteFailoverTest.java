package org.hapager.pager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.hapager.server.process.PageServerProcess;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Buffered writes with real processes: acknowledged once the serving page server has them in the shared file,
 * durable only at the next sync. When that server's host dies before the sync, its page cache dies with it; the
 * client must write the pages again to the secondary, so the sync that follows makes them durable.
 *
 * <p>One host cannot lose its own page cache, so the test plays the lost cache: before it kills the primary it
 * writes the pages' previous bytes back into the shared file, which is what the storage holds after such a host
 * failure. Without the client's kept copies the sync then succeeds over the old bytes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@ExtendWith(SeedExtension.class)
class BufferedWriteFailoverTest {

    private static final int PAGE = 4096;
    private static final int PAGES = 48;

    @TempDir
    Path dir;

    @Test
    void acknowledgedBufferedWritesSurviveTheLossOfTheirServersHostBeforeTheSync(Seed seed) throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ServerPair pair = new ServerPair(dir, List.of("--warmup-ops", "0"), List.of("--warmup-ops", "0"));
             PagerClient client = PagerClient.connect(PagerConfig.builder().servers(pair.primary.address(),
                     pair.secondary.address()).tokenFile(pair.token).lease(Duration.ofSeconds(2))
                     .failoverDeadline(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(10))
                     .meterRegistry(meters).build())) {
            Volume volume = Volume.of("lost/pages.dat");
            client.create(volume.name(), false).join();
            byte[] before = new byte[PAGES * PAGE];
            new Random(seed.value()).nextBytes(before);
            client.write(volume, 0, ByteBuffer.wrap(before.clone())).get(30, TimeUnit.SECONDS); // durable

            byte[] after = new byte[PAGES * PAGE];
            new Random(seed.value() + 1).nextBytes(after);
            for (int page = 0; page < PAGES; page++) { // one page per write, as a buffer pool writes back
                client.writeBuffered(volume, page, ByteBuffer.wrap(after, page * PAGE, PAGE).slice()).get(30, TimeUnit.SECONDS);
            }
            // a second round over half the pages: the copies must land in write order
            for (int page = 0; page < PAGES; page += 2) {
                after[page * PAGE] ^= 0x5a;
                client.writeBuffered(volume, page, ByteBuffer.wrap(after, page * PAGE, PAGE).slice()).get(30, TimeUnit.SECONDS);
            }
            assertEquals((PAGES + PAGES / 2) * (double) PAGE, meters.get("hapager.pager.unsynced").gauge().value(),
                    "kept copies, in bytes");

            PageServerProcess serving = pair.at(client.currentServer());
            overwrite(volumeFile(pair.data, "pages.dat"), before); // the host's page cache is lost...
            serving.kill9();                                        // ...with the host

            client.sync(volume.name()).get(30, TimeUnit.SECONDS);
            assertEquals(0.0, meters.get("hapager.pager.unsynced").gauge().value(), "the sync made every copy durable");
            ByteBuffer read = ByteBuffer.allocate(PAGES * PAGE);
            client.read(volume, 0, read).get(30, TimeUnit.SECONDS);
            assertArrayEquals(after, read.array(), "pages read back after the failover");
            assertArrayEquals(after, Files.readAllBytes(volumeFile(pair.data, "pages.dat")),
                    "the shared file after the sync");
        }
    }

    /**
     * The chaos campaign's lost commits, with real processes: copies are written again while the database's
     * lease is late. The guard lets the first copies go and then says "not now"; the copies after it, a newer
     * round of the same pages among them, must wait (with the sync of their volume) rather than be dropped, while
     * another volume's requests go on; once the guard lets them go, the sync makes the newest bytes durable.
     * Before the fix the refused copies were dropped and the pages went back to older bytes.
     */
    @Test
    void copiesAGuardRefusesForNowWaitAndAreWrittenOnceItLetsThemGo(Seed seed) throws Exception {
        try (ServerPair pair = new ServerPair(dir, List.of("--warmup-ops", "0"), List.of("--warmup-ops", "0"));
             PagerClient client = PagerClient.connect(PagerConfig.builder().servers(pair.primary.address(),
                     pair.secondary.address()).tokenFile(pair.token).lease(Duration.ofSeconds(2))
                     .failoverDeadline(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(10)).build())) {
            Volume volume = Volume.of("late/pages.dat");
            Volume other = Volume.of("elsewhere/lock.dat");
            client.create(volume.name(), false).join();
            client.create(other.name(), false).join();
            byte[] before = new byte[PAGES * PAGE];
            new Random(seed.value()).nextBytes(before);
            client.write(volume, 0, ByteBuffer.wrap(before.clone())).get(30, TimeUnit.SECONDS);

            java.util.concurrent.atomic.AtomicInteger letGo = new java.util.concurrent.atomic.AtomicInteger(Integer.MAX_VALUE);
            try (SendGuard.Registration guard = client.guard("late", (name, request) -> letGo.getAndDecrement() > 0 ? null
                    : new PageIoException(PageIoException.Kind.UNAVAILABLE, request + " of " + name + ": the lease is late"))) {
                byte[] after = new byte[PAGES * PAGE];
                new Random(seed.value() + 1).nextBytes(after);
                for (int round = 0; round < 2; round++) { // two copies of every page: the older must not be the last
                    for (int page = 0; page < PAGES; page++) {
                        after[page * PAGE] ^= (byte) (round + 1);
                        client.writeBuffered(volume, page, ByteBuffer.wrap(after, page * PAGE, PAGE).slice()).get(30, TimeUnit.SECONDS);
                    }
                }
                PageServerProcess serving = pair.at(client.currentServer());
                overwrite(volumeFile(pair.data, "pages.dat"), before); // the serving host's page cache is lost with it
                letGo.set(PAGES + PAGES / 2);                           // the first round and half the second, then "not now"
                serving.kill9();

                java.util.concurrent.CompletableFuture<Void> sync = client.sync(volume.name());
                client.write(other, 0, ByteBuffer.allocate(PAGE)).get(30, TimeUnit.SECONDS);
                assertEquals(false, sync.isDone(), "the sync of the held copies' volume completed before they were written");
                letGo.set(Integer.MAX_VALUE);
                sync.get(30, TimeUnit.SECONDS);
                ByteBuffer read = ByteBuffer.allocate(PAGES * PAGE);
                client.read(volume, 0, read).get(30, TimeUnit.SECONDS);
                assertArrayEquals(after, read.array(), "pages read back after the held replay");
                assertArrayEquals(after, Files.readAllBytes(volumeFile(pair.data, "pages.dat")),
                        "the shared file after the sync");
            }
        }
    }

    private static Path volumeFile(Path data, String name) throws IOException {
        try (Stream<Path> files = Files.walk(data)) {
            return files.filter(p -> p.getFileName().toString().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no file " + name + " under " + data));
        }
    }

    private static void overwrite(Path file, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                channel.write(b, b.position());
            }
            channel.force(false);
        }
    }
}
