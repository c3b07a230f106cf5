package org.hapager.server.store;

import static org.hapager.server.store.StoreFixture.pattern;
import static org.hapager.server.testing.Pages.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hapager.server.metrics.ServerMetrics;
import org.hapager.wire.Op;
import org.hapager.wire.Status;
import org.hapager.wire.WireLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The running total behind {@code --max-data-bytes} stays equal to the sum of the volume lengths. */
class SizeGuardTest {

    static final int PAGE = 512;

    @TempDir
    Path dir;

    @Test
    void concurrentWritesLengthChangesDeletesAndReplacingRenamesKeepTheTotalExact() throws Exception {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        try (VolumeStore store = new VolumeStore(dir, WireLimits.DEFAULT, new SizeLimits(SizeLimits.NO_LIMIT, 1L << 30), 4,
                false, new ServerMetrics(new SimpleMeterRegistry()), GroupCommitter.FDATASYNC, (volume, file, cause) -> { })) {
            for (String v : List.of("a", "d/b")) {
                store.submit(new Op.Create(v, true)).get(10, TimeUnit.SECONDS);
            }
            List<CompletableFuture<?>> all = new ArrayList<>();
            for (int i = 0; i < 400; i++) { // four I/O threads extend the same two volumes at once
                String v = random.nextBoolean() ? "a" : "d/b";
                all.add(store.submit(i % 50 == 49 ? new Op.SetLength(v, random.nextInt(64) * PAGE)
                        : write(v, PAGE, random.nextInt(64), pattern(PAGE * (1 + random.nextInt(4)), i))));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            Path volumes = dir.resolve("volumes");
            assertEquals(Files.size(volumes.resolve("a")) + Files.size(volumes.resolve("d/b")), store.countedDataBytes(),
                    "seed " + seed);

            store.submit(new Op.Rename("a", "d/b", true)).get(10, TimeUnit.SECONDS);
            assertEquals(Files.size(volumes.resolve("d/b")), store.countedDataBytes(), "seed " + seed);
            store.submit(new Op.Delete("d/b")).get(10, TimeUnit.SECONDS);
            assertEquals(0, store.countedDataBytes());

            store.submit(new Op.Create("c", true)).get(10, TimeUnit.SECONDS);
            Files.write(volumes.resolve("outside-the-server"), new byte[3 * PAGE]); // a change behind its back
            store.forgetOpenFiles(); // what a takeover does: count again
            assertEquals(3 * PAGE, store.countedDataBytes());
        }
    }

    @Test
    void aRefusedWriteLeavesTheTotalAndTheFileAlone() throws Exception {
        try (VolumeStore store = new VolumeStore(dir, WireLimits.DEFAULT, new SizeLimits(8 * PAGE, 4 * PAGE), 1,
                false, new ServerMetrics(new SimpleMeterRegistry()), GroupCommitter.FDATASYNC, (volume, file, cause) -> { })) {
            store.submit(new Op.Create("v", true)).get(10, TimeUnit.SECONDS);
            store.submit(write("v", PAGE, 0, pattern(4 * PAGE, 1))).get(10, TimeUnit.SECONDS);
            for (Op refused : List.of(write("v", PAGE, 4, pattern(PAGE, 2)), new Op.SetLength("v", 5 * PAGE),
                    write("v", PAGE, 8, pattern(PAGE, 3)), new Op.SetLength("v", 9 * PAGE))) {
                java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                        java.util.concurrent.ExecutionException.class, () -> store.submit(refused).get(10, TimeUnit.SECONDS));
                assertEquals(Status.INVALID, ((StoreException) e.getCause()).status(), e.getCause().getMessage());
            }
            assertEquals(4 * PAGE, Files.size(dir.resolve("volumes/v")));
            assertEquals(4 * PAGE, store.countedDataBytes());
            store.submit(new Op.SetLength("v", PAGE)).get(10, TimeUnit.SECONDS); // shrinking is always allowed
            assertEquals(PAGE, store.countedDataBytes());
        }
    }
}
