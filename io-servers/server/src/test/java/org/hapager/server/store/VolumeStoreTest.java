package org.hapager.server.store;

import static org.hapager.server.store.StoreFixture.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.hapager.server.testing.Pages.bytesOf;
import static org.hapager.server.testing.Pages.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.hapager.wire.Status;
import org.hapager.wire.WireLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeStoreTest {

    @TempDir
    Path dir;
    StoreFixture f;

    @BeforeEach
    void open() throws IOException {
        f = new StoreFixture(dir);
    }

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void layoutHasVolumesAndLocks() {
        assertTrue(Files.isDirectory(dir.resolve("volumes")));
        assertTrue(Files.isDirectory(dir.resolve("locks")));
    }

    @Test
    void writeThenReadPagesAndZerosPastTheEnd() throws IOException {
        f.ok(new Op.Create("db/seg0/c10.dat", true));
        byte[] data = pattern(2 * 512, 1);
        Outcome.PagesWritten w = (Outcome.PagesWritten) f.ok(write("db/seg0/c10.dat", 512, 1, data));
        assertEquals(3 * 512, w.volumeLength());
        byte[] file = Files.readAllBytes(f.volumes().resolve("db/seg0/c10.dat"));
        assertEquals(3 * 512, file.length, "page 1..2 of 512 bytes are bytes [512, 1536)");

        Outcome.PagesRead r = (Outcome.PagesRead) f.ok(new Op.Read("db/seg0/c10.dat", 512, 0, 4));
        assertEquals(3 * 512, r.volumeLength());
        byte[] expected = new byte[4 * 512];
        System.arraycopy(data, 0, expected, 512, data.length);
        assertArrayEquals(expected, bytesOf(r));
        assertArrayEquals(PageChecksums.compute(ByteBuffer.wrap(expected), 512, 4), r.crcs());
    }

    @Test
    void checksumMismatchWritesNothing() throws IOException {
        f.ok(new Op.Create("v", true));
        byte[] data = pattern(3 * 512, 2);
        ByteBuffer buf = ByteBuffer.wrap(data);
        int[] crcs = PageChecksums.compute(buf, 512, 3);
        crcs[2] ^= 1;
        StoreException e = f.failure(new Op.Write("v", 512, 10, 3, crcs, buf), Status.CHECKSUM_MISMATCH);
        assertEquals("volume v page 12: checksum mismatch", e.getMessage());
        assertEquals(0, Files.size(f.volumes().resolve("v")));
    }

    @Test
    void readAndWriteOfMissingOrDirectory() throws IOException {
        assertEquals("volume nope does not exist", f.failure(new Op.Read("nope", 512, 0, 1), Status.NOT_FOUND).getMessage());
        f.failure(write("nope", 512, 0, new byte[512]), Status.NOT_FOUND);
        f.ok(new Op.Mkdirs("d"));
        f.failure(new Op.Read("d", 512, 0, 1), Status.INVALID);
        f.failure(write("d", 512, 0, new byte[512]), Status.INVALID);
        f.failure(new Op.Sync("nope"), Status.NOT_FOUND);
        f.failure(new Op.SetLength("nope", 1), Status.NOT_FOUND);
    }

    @Test
    void setLengthTruncatesAndExtendsWithZeros() throws IOException {
        f.ok(new Op.Create("v", true));
        f.ok(write("v", 512, 0, pattern(1024, 3)));
        f.ok(new Op.SetLength("v", 700));
        assertEquals(700, Files.size(f.volumes().resolve("v")));
        f.ok(new Op.SetLength("v", 5000));
        byte[] file = Files.readAllBytes(f.volumes().resolve("v"));
        assertEquals(5000, file.length);
        byte[] expected = new byte[5000];
        System.arraycopy(pattern(1024, 3), 0, expected, 0, 700);
        assertArrayEquals(expected, file);
        f.ok(new Op.Sync("v"));
    }

    @Test
    void createExclusiveAndNot() throws IOException {
        f.ok(new Op.Create("a/b/c", true));
        assertTrue(Files.isRegularFile(f.volumes().resolve("a/b/c")));
        f.ok(write("a/b/c", 512, 0, pattern(512, 4)));
        assertEquals("volume a/b/c already exists", f.failure(new Op.Create("a/b/c", true), Status.ALREADY_EXISTS).getMessage());
        f.ok(new Op.Create("a/b/c", false));
        assertEquals(512, Files.size(f.volumes().resolve("a/b/c")), "a non-exclusive create leaves the volume untouched");
        f.failure(new Op.Create("a/b/c/d", true), Status.INVALID);
    }

    @Test
    void deleteFilesAndEmptyDirectories() {
        f.ok(new Op.Create("d/v", true));
        f.failure(new Op.Delete("d"), Status.NOT_EMPTY);
        f.ok(write("d/v", 512, 0, pattern(512, 5)));
        f.ok(new Op.Delete("d/v"));
        f.ok(new Op.Delete("d"));
        f.failure(new Op.Delete("d"), Status.NOT_FOUND);
        assertFalse(((Outcome.Stat) f.ok(new Op.Stat("d"))).exists());
    }

    @Test
    void deleteUnderAVolumeIsNotFoundNotAStorageError() {
        f.ok(new Op.Create("file", true));
        // "file/child" cannot exist: the OS says "Not a directory", which is the absence of the volume
        assertEquals("volume file/child does not exist",
                f.failure(new Op.Delete("file/child"), Status.NOT_FOUND).getMessage());
    }

    @Test
    void deleteDropsTheCachedChannel() throws IOException {
        f.ok(new Op.Create("v", true));
        f.ok(write("v", 512, 0, pattern(512, 6)));
        f.ok(new Op.Delete("v"));
        f.ok(new Op.Create("v", true));
        Outcome.PagesRead r = (Outcome.PagesRead) f.ok(new Op.Read("v", 512, 0, 1));
        assertEquals(0, r.volumeLength(), "the new volume, not the deleted inode");
    }

    @Test
    void renameMovesAndRespectsReplace() throws IOException {
        f.ok(new Op.Create("src", true));
        f.ok(write("src", 512, 0, pattern(512, 7)));
        f.ok(new Op.Create("dst", true));
        f.failure(new Op.Rename("missing", "x", false), Status.NOT_FOUND);
        f.failure(new Op.Rename("src", "dst", false), Status.ALREADY_EXISTS);
        f.ok(new Op.Rename("src", "dst", true));
        assertFalse(Files.exists(f.volumes().resolve("src")));
        Outcome.PagesRead r = (Outcome.PagesRead) f.ok(new Op.Read("dst", 512, 0, 1));
        assertArrayEquals(pattern(512, 7), bytesOf(r), "reads the renamed volume, not a cached channel of the old dst");
        f.ok(new Op.Rename("dst", "new/dir/moved", false));
        assertTrue(Files.isRegularFile(f.volumes().resolve("new/dir/moved")));
        f.failure(new Op.Rename("new", "new/dir/inside", false), Status.INVALID);
    }

    @Test
    void listSortsAndDescribesEntries() {
        f.ok(new Op.Create("d/b", true));
        f.ok(write("d/b", 512, 0, pattern(1024, 8)));
        f.ok(new Op.Create("d/a", true));
        f.ok(new Op.Mkdirs("d/c/e"));
        Outcome.Listing l = (Outcome.Listing) f.ok(new Op.List("d"));
        assertEquals(List.of(new Outcome.Entry("a", false, 0), new Outcome.Entry("b", false, 1024),
                new Outcome.Entry("c", true, 0)), l.entries());
        Outcome.Listing root = (Outcome.Listing) f.ok(new Op.List(""));
        assertEquals(List.of(new Outcome.Entry("d", true, 0)), root.entries());
        f.failure(new Op.List("nope"), Status.NOT_FOUND);
        f.failure(new Op.List("d/a"), Status.INVALID);
    }

    /** After one failed group-commit force the store executes nothing more and says why; the owner heard once. */
    @Test
    void aFailedForceStopsTheWholeStore() throws IOException {
        f.close();
        AtomicInteger forces = new AtomicInteger();
        f = new StoreFixture(dir, WireLimits.DEFAULT, channel -> {
            if (forces.incrementAndGet() == 2) {
                throw new IOException("Input/output error");
            }
            channel.force(false);
        });
        f.ok(new Op.Create("a", true));
        f.ok(new Op.Create("b", true));
        f.ok(write("a", 512, 0, pattern(512, 1)));
        StoreException failed = f.failure(write("a", 512, 1, pattern(512, 2)), Status.IO_ERROR);
        assertEquals("write volume a pages 1..1 of 512 bytes (offsets 512..1024): force: a flush of volume a failed"
                + " (I/O error); the server acknowledges nothing after a failed flush", failed.getMessage());
        assertTrue(failed.getCause() instanceof FlushFailedException, "the detail is kept for the log");
        assertEquals(List.of("a a Input/output error"), f.flushFailures);

        for (Op op : List.of(write("b", 512, 0, pattern(512, 3)), new Op.Read("a", 512, 0, 1), new Op.Sync("b"),
                new Op.Create("c", true), new Op.SetLength("b", 0))) {
            StoreException refused = f.failure(op, Status.IO_ERROR);
            assertTrue(refused.getMessage().contains("not executed") && refused.getCause() instanceof FlushFailedException,
                    refused.getMessage());
        }
        assertFalse(Files.exists(f.volumes().resolve("c")), "nothing runs after a failed flush");
        assertTrue(assertThrowsExecution(f.store.flush()) instanceof FlushFailedException, "a flush barrier fails too");
        assertEquals(2, forces.get(), "nothing is forced after the failure");
        assertEquals(1, f.flushFailures.size());
    }

    /**
     * A SYNC is forced by the group committer, the one thread that forces volume channels, so a failed writeback
     * reported once cannot be answered with a success on another thread; its failure is sticky like a write's.
     */
    @Test
    void aSyncIsForcedByTheGroupCommitterAndItsFailureIsSticky() throws IOException {
        f.close();
        List<String> forcingThreads = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        f = new StoreFixture(dir, WireLimits.DEFAULT, channel -> {
            forcingThreads.add(Thread.currentThread().getName());
            if (forcingThreads.size() == 3) {
                throw new IOException("Input/output error");
            }
            channel.force(false);
        });
        f.ok(new Op.Create("v", true));
        f.ok(write("v", 512, 0, pattern(512, 1)));
        f.ok(new Op.Sync("v"));
        assertTrue(forcingThreads.stream().allMatch(t -> t.startsWith("group-commit-")), String.valueOf(forcingThreads));
        f.failure(write("v", 512, 1, pattern(512, 2)), Status.IO_ERROR); // the third force fails
        StoreException sync = f.failure(new Op.Sync("v"), Status.IO_ERROR);
        assertTrue(sync.getCause() instanceof FlushFailedException, sync.getMessage());
        assertEquals(3, forcingThreads.size(), "nothing is forced after the failure");
    }

    private static Throwable assertThrowsExecution(CompletableFuture<?> future) {
        return assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS)).getCause();
    }

    @Test
    void listRefusesADirectoryTooLargeForOneFrame() throws IOException {
        f.close();
        // the smallest legal limits: 64 KiB of I/O plus 64 KiB overhead
        f = new StoreFixture(dir, new org.hapager.wire.WireLimits(128 * 1024, 64 * 1024), GroupCommitter.FDATASYNC);
        Path big = Files.createDirectories(f.volumes().resolve("big"));
        String longName = "x".repeat(200);
        for (int i = 0; i < 700; i++) {
            Files.createFile(big.resolve(longName + i));
        }
        StoreException e = f.failure(new Op.List("big"), Status.INVALID);
        assertEquals("directory big has 700 entries: too many to list in one frame", e.getMessage());
    }

    @Test
    void statAndMkdirs() {
        assertEquals(new Outcome.Stat(false, false, 0), f.ok(new Op.Stat("x/y")));
        f.ok(new Op.Mkdirs("x/y"));
        f.ok(new Op.Mkdirs("x/y"));
        assertEquals(new Outcome.Stat(true, true, 0), f.ok(new Op.Stat("x/y")));
        f.ok(new Op.Create("x/v", true));
        f.ok(write("x/v", 512, 0, pattern(512, 9)));
        assertEquals(new Outcome.Stat(true, false, 512), f.ok(new Op.Stat("x/v")));
        assertEquals(new Outcome.Stat(false, false, 0), f.ok(new Op.Stat("x/v/under")), "below a volume nothing exists");
        f.failure(new Op.Mkdirs("x/v"), Status.ALREADY_EXISTS);
    }

    @Test
    void symlinkInsideTheDataDirectoryIsRefused(@TempDir Path outside) throws IOException {
        Files.writeString(outside.resolve("secret"), "not yours");
        Files.createSymbolicLink(f.volumes().resolve("escape"), outside);
        Files.createSymbolicLink(f.volumes().resolve("link"), outside.resolve("secret"));
        StoreException e = f.failure(new Op.Read("escape/secret", 512, 0, 1), Status.INVALID);
        assertTrue(e.getMessage().contains("escape is a symbolic link"), e.getMessage());
        f.failure(new Op.Read("link", 512, 0, 1), Status.INVALID);
        f.failure(write("escape/secret", 512, 0, new byte[512]), Status.INVALID);
        f.failure(new Op.Create("escape/new", true), Status.INVALID);
        f.failure(new Op.Delete("link"), Status.INVALID);
        f.failure(new Op.List("escape"), Status.INVALID);
        f.failure(new Op.Rename("link", "mine", false), Status.INVALID);
        assertEquals("not yours", Files.readString(outside.resolve("secret")));
        assertFalse(Files.exists(outside.resolve("new")));
    }

    @Test
    void invalidNamesAreRefusedAgain() {
        f.failure(new Op.Read("../outside", 512, 0, 1), Status.INVALID);
        f.failure(new Op.Create("/abs", true), Status.INVALID);
        f.failure(new Op.Stat("a//b"), Status.INVALID);
    }

    @Test
    void randomWritesMatchAModel() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        int pageSize = 512;
        byte[][] model = new byte[32][];
        f.ok(new Op.Create("m", true));
        try {
            for (int step = 0; step < 200; step++) {
                int first = random.nextInt(model.length - 4);
                int count = 1 + random.nextInt(4);
                if (random.nextBoolean()) {
                    byte[] data = new byte[count * pageSize];
                    random.nextBytes(data);
                    f.ok(write("m", pageSize, first, data));
                    for (int i = 0; i < count; i++) {
                        model[first + i] = java.util.Arrays.copyOfRange(data, i * pageSize, (i + 1) * pageSize);
                    }
                } else {
                    byte[] got = bytesOf((Outcome.PagesRead) f.ok(new Op.Read("m", pageSize, first, count)));
                    for (int i = 0; i < count; i++) {
                        byte[] expected = model[first + i] == null ? new byte[pageSize] : model[first + i];
                        assertArrayEquals(expected, java.util.Arrays.copyOfRange(got, i * pageSize, (i + 1) * pageSize),
                                "step " + step + " page " + (first + i));
                    }
                }
            }
        } catch (AssertionError e) {
            throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
        }
    }
}
