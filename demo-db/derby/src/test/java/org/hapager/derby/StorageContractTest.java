package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import org.apache.derby.io.StorageFile;
import org.apache.derby.io.StorageRandomAccessFile;
import org.hapager.testkit.ClassFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Targeted checks of what Derby relies on in the storage factory, on two real page servers with a 16-page
 * buffer pool: partial-page writes, zeros after a shrink and in holes, the exact length on the servers,
 * failed renames, append streams and the resolution of an interrupted service.properties rewrite (the
 * interrupt rule is in {@link StorageContractInterruptTest}). "Reopen" closes the cluster (every file is synced) and opens it again, so what follows is read
 * from the page servers.
 */
class StorageContractTest {

    static final String CLUSTER = "contract";

    @RegisterExtension
    static final ClassFixture<DerbyCluster> cluster = ClassFixture.of(dir -> new DerbyCluster(CLUSTER, dir, 16L * 4096));

    HapagerStorageFactory factory;
    String database;

    @AfterEach
    void shutdown() {
        if (factory != null) {
            factory.shutdown();
        }
        Thread.interrupted();
    }

    /** Boots database {@code name} the way Derby does (with a unique name: it owns tmp/, resolves service.properties). */
    HapagerStorageFactory boot(String name) throws IOException {
        database = name;
        factory = new HapagerStorageFactory();
        factory.init(null, CLUSTER + "/" + name, null, "unique");
        return factory;
    }

    /** Shuts the database down (the cluster closes: every file synced) and boots it again. */
    HapagerStorageFactory reopen() throws IOException {
        factory.shutdown();
        factory = null;
        return boot(database);
    }

    byte[] serverBytes(String file) throws IOException {
        return Files.readAllBytes(cluster.get().servers.data.resolve("volumes").resolve(database).resolve(file));
    }

    static byte[] readAll(StorageRandomAccessFile raf) throws IOException {
        byte[] b = new byte[(int) raf.length()];
        raf.seek(0);
        raf.readFully(b);
        return b;
    }

    static byte[] readFile(HapagerStorageFactory f, String name) throws IOException {
        StorageRandomAccessFile raf = f.newStorageFile(name).getRandomAccessFile("r");
        try {
            return readAll(raf);
        } finally {
            raf.close();
        }
    }

    static byte[] nonzero(Random rnd, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (1 + rnd.nextInt(255));
        }
        return b;
    }

    // ------------------------------------------------------------------ bytes and lengths

    @Test
    void partialPageWritesAtEveryOffsetOfTwoPages() throws Exception {
        int[] lengths = {1, 2, 3, 48, 204, 4095, 4096, 4097};
        Random rnd = new Random(4741);
        byte[] model = new byte[3 * 4096];
        int length = 0;
        StorageRandomAccessFile raf = boot("partial").newStorageFile("p.dat").getRandomAccessFile("rw");
        for (int off = 0; off < 8192; off++) {
            int len = lengths[off % lengths.length];
            byte[] data = nonzero(rnd, len);
            raf.seek(off);
            raf.write(data);
            System.arraycopy(data, 0, model, off, len);
            length = Math.max(length, off + len);
            assertEquals(length, raf.length(), "length after writing " + len + " at " + off);
            if (off % 1024 == 1023) {
                raf.sync(); // the page servers hold exactly the file
                assertArrayEquals(Arrays.copyOf(model, length), serverBytes("p.dat"), "on the servers after " + off);
            }
        }
        assertArrayEquals(Arrays.copyOf(model, length), readAll(raf));
        raf.close();

        // again on a cold pool: each first write to a page reads the rest of it from the servers
        raf = reopen().newStorageFile("p.dat").getRandomAccessFile("rw");
        for (int off = 0; off < 8192; off += 97) {
            int len = lengths[(off / 97) % lengths.length];
            byte[] data = nonzero(rnd, len);
            raf.seek(off);
            raf.write(data);
            System.arraycopy(data, 0, model, off, len);
            length = Math.max(length, off + len);
        }
        assertArrayEquals(Arrays.copyOf(model, length), readAll(raf));
        raf.close();
        reopen();
        assertArrayEquals(Arrays.copyOf(model, length), serverBytes("p.dat"));
        assertArrayEquals(Arrays.copyOf(model, length), readFile(factory, "p.dat"));
    }

    @Test
    void overwritingInsideTheLastPartialPageKeepsTheServersLengthExact() throws Exception {
        // log.ctrl-like: a small file rewritten in place, synced each time; the last page's write-back must
        // not leave the servers' file rounded up to 4096 bytes
        StorageRandomAccessFile raf = boot("lastpage").newStorageFile("log.ctrl").getRandomAccessFile("rw");
        raf.write(new byte[48]);
        raf.sync();
        for (int i = 1; i <= 3; i++) {
            raf.seek(8);
            raf.writeLong(i);
            raf.sync();
            assertEquals(48, serverBytes("log.ctrl").length, "servers' length after rewrite " + i);
        }
        StorageRandomAccessFile rwd = factory.newStorageFile("log.ctrl").getRandomAccessFile("rwd");
        rwd.seek(40);
        rwd.writeLong(-1); // written through
        assertEquals(48, serverBytes("log.ctrl").length, "servers' length after an rwd write");
        raf.close();
        rwd.close();
        assertEquals(48, readFile(reopen(), "log.ctrl").length);
    }

    enum Between { NOTHING, SYNC, REOPEN }

    @Test
    void shrinkThenGrowReadsZeros() throws Exception {
        int full = 12500;
        int[] shrinkTo = {0, 1, 100, 4095, 4096, 4097, 6000, 8191, 8192, 8193};
        Random rnd = new Random(7);
        byte[] pattern = nonzero(rnd, full);
        boot("shrink");
        for (int s : shrinkTo) {
            for (Between between : Between.values()) {
                for (boolean bySetLength : new boolean[] {true, false}) {
                    String name = "s" + s + "-" + between + "-" + (bySetLength ? "setLength" : "write");
                    StorageRandomAccessFile raf = factory.newStorageFile(name).getRandomAccessFile("rw");
                    raf.write(pattern);
                    raf.seek(full - 1);
                    raf.setLength(s);
                    assertEquals(s, raf.getFilePointer(), name + ": file pointer clamped to the new length");
                    if (between == Between.SYNC) {
                        raf.sync();
                    } else if (between == Between.REOPEN) {
                        raf.close();
                        raf = reopen().newStorageFile(name).getRandomAccessFile("rw");
                    }
                    if (bySetLength) {
                        raf.setLength(full);
                    } else {
                        raf.seek(full - 1);
                        raf.write(0x7f);
                    }
                    byte[] expected = expectedAfterShrink(pattern, s, bySetLength);
                    assertArrayEquals(expected, readAll(raf), name);
                    raf.close();
                }
            }
        }
        reopen();
        for (int s : shrinkTo) {
            for (Between between : Between.values()) {
                for (boolean bySetLength : new boolean[] {true, false}) {
                    String name = "s" + s + "-" + between + "-" + (bySetLength ? "setLength" : "write");
                    assertArrayEquals(expectedAfterShrink(pattern, s, bySetLength), readFile(factory, name), name + " after reopen");
                }
            }
        }
    }

    static byte[] expectedAfterShrink(byte[] pattern, int s, boolean bySetLength) {
        byte[] expected = new byte[pattern.length];
        System.arraycopy(pattern, 0, expected, 0, s);
        if (!bySetLength) {
            expected[pattern.length - 1] = 0x7f;
        }
        return expected;
    }

    @Test
    void aHoleFromSeekingPastTheEndReadsZeros() throws Exception {
        Random rnd = new Random(11);
        byte[] tail = nonzero(rnd, 10);
        boot("hole");
        int cases = 0;
        for (int start : new int[] {0, 1, 4095, 4096, 5000}) {
            for (int hole : new int[] {start + 1, 4095, 4096, 4097, 8191, 8192, 20000}) {
                for (boolean shrunk : new boolean[] {false, true}) { // shrunk: the hole's bytes held data before
                    if (hole <= start) {
                        continue;
                    }
                    String name = "h" + start + "-" + hole + (shrunk ? "-shrunk" : "");
                    StorageRandomAccessFile raf = factory.newStorageFile(name).getRandomAccessFile("rw");
                    byte[] head = nonzero(rnd, shrunk ? 24000 : start);
                    raf.write(head);
                    raf.setLength(start);
                    if (cases++ % 2 == 0) {
                        raf.sync();
                    }
                    raf.seek(hole);
                    raf.write(tail);
                    byte[] expected = new byte[hole + tail.length];
                    System.arraycopy(head, 0, expected, 0, start);
                    System.arraycopy(tail, 0, expected, hole, tail.length);
                    assertArrayEquals(expected, readAll(raf), name);
                    raf.close();
                    assertArrayEquals(expected, readFile(reopen(), name), name + " after reopen");
                }
            }
        }
    }

    @Test
    void aSyncRacingAGrowingWriteDoesNotCutItsBytesOffOnTheServers() throws Exception {
        // one thread appends records through a handle while another syncs the file over and over through
        // its own; whatever the interleaving, the servers must end up with every record. (The window this
        // guards, a write between marking its page dirty and growing the length, is too narrow to hit on
        // demand: this is a guard, not a reproducer.)
        boot("race");
        StorageRandomAccessFile writer = factory.newStorageFile("r.log").getRandomAccessFile("rw");
        StorageRandomAccessFile syncer = factory.newStorageFile("r.log").getRandomAccessFile("rw");
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                while (writing.get()) {
                    syncer.sync();
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "syncer");
        t.start();
        byte[] model = new byte[Integer.getInteger("hapager.race.records", 3000) * 37];
        Random rnd = new Random(13);
        try {
            for (int at = 0; at < model.length; at += 37) {
                byte[] record = nonzero(rnd, 37);
                writer.write(record);
                System.arraycopy(record, 0, model, at, 37);
            }
        } finally {
            writing.set(false);
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("sync failed", failure.get());
        }
        writer.close();
        syncer.close();
        assertArrayEquals(model, readFile(reopen(), "r.log"));
    }

    // ------------------------------------------------------------------ renames and appends

    @Test
    void aFailedRenameLeavesTheTargetsUnsyncedBytesAndHandles() throws Exception {
        boot("rename");
        StorageRandomAccessFile target = factory.newStorageFile("t.dat").getRandomAccessFile("rw");
        byte[] data = nonzero(new Random(9), 10000);
        target.write(data); // not synced
        assertFalse(factory.newStorageFile("missing").renameTo(factory.newStorageFile("t.dat")));
        assertFalse(factory.newStorageFile("t.dat").renameTo(factory.newStorageFile("nodir/t.dat")));
        assertArrayEquals(data, readAll(target), "the handle still reads the unsynced bytes");
        target.write(1); // and still writes
        target.close();
        assertTrue(factory.newStorageFile("t.dat").renameTo(factory.newStorageFile("t.dat")), "a rename to itself");
        byte[] expected = Arrays.copyOf(data, 10001);
        expected[10000] = 1;
        assertArrayEquals(expected, readFile(reopen(), "t.dat"));
        assertFalse(factory.newStorageFile("nodir").exists(), "no directory made for a failed rename");
    }

    @Test
    void anAppendStreamWritesAtTheEndAsItIsThen() throws Exception {
        boot("append");
        StorageFile f = factory.newStorageFile("a.log");
        OutputStream out = f.getOutputStream(true);
        out.write(new byte[] {1, 2, 3});
        StorageRandomAccessFile raf = f.getRandomAccessFile("rw");
        raf.seek(10);
        raf.write(9); // the file grows to 11 through another handle
        out.write(4);
        raf.setLength(2); // and shrinks
        out.write(5);
        out.close();
        raf.close();
        assertArrayEquals(new byte[] {1, 2, 5}, readFile(factory, "a.log"));
    }

    // ------------------------------------------------------------------ service.properties

    static final String COMPLETE = "#Derby service properties\nderby.storage.pageSize=4096\n"
            + ServiceProperties.EOF_TOKEN + "\n";

    /** Writes files into database {@code name} before it boots. */
    void prepare(String name, String current, String old) throws IOException {
        HapagerStorageFactory plain = new HapagerStorageFactory();
        plain.init(null, CLUSTER + "/" + name, null, null);
        for (String[] f : new String[][] {{ServiceProperties.NAME, current}, {ServiceProperties.OLD_NAME, old}}) {
            if (f[1] != null) {
                assertTrue(plain.newStorageFile(null).mkdirs() || plain.newStorageFile(null).isDirectory());
                try (OutputStream out = plain.newStorageFile(f[0]).getOutputStream()) {
                    out.write(f[1].getBytes(StandardCharsets.ISO_8859_1));
                }
            }
        }
    }

    String bootAndRead(String name) throws IOException {
        boot(name);
        assertFalse(factory.newStorageFile(ServiceProperties.OLD_NAME).exists(), "service.propertiesold is gone");
        return new String(readFile(factory, ServiceProperties.NAME), StandardCharsets.ISO_8859_1);
    }

    @Test
    void aCompleteServicePropertiesWinsOverTheOldOne() throws Exception {
        prepare("sp-complete", COMPLETE, "old=1\n" + ServiceProperties.EOF_TOKEN + "\n");
        assertEquals(COMPLETE, bootAndRead("sp-complete"));
    }

    @Test
    void anIncompleteServicePropertiesIsReplacedByTheOldOne() throws Exception {
        String old = "old=1\n" + ServiceProperties.EOF_TOKEN + "\n";
        prepare("sp-incomplete", COMPLETE.substring(0, 40), old);
        assertEquals(old, bootAndRead("sp-incomplete"));
    }

    @Test
    void onlyTheOldServicePropertiesComesBack() throws Exception {
        String old = "old=1\n" + ServiceProperties.EOF_TOKEN + "\n";
        prepare("sp-only-old", null, old);
        assertEquals(old, bootAndRead("sp-only-old"));
    }

    @Test
    void trailingNulsAfterTheLastLineAreBlankAsInDerby() throws Exception {
        // the zeros a write-back of the last page leaves when a crash comes before the length is set: Derby's
        // rule trims each line, so a line of NULs is blank and the file is complete
        String padded = COMPLETE + "\0".repeat(4096 - COMPLETE.length());
        prepare("sp-padded", padded, "old=1\n");
        assertEquals(padded, bootAndRead("sp-padded"));
    }

    @Test
    void aServicePropertiesAloneIsLeftAlone() throws Exception {
        prepare("sp-alone", COMPLETE, null);
        assertEquals(COMPLETE, bootAndRead("sp-alone"));
        assertEquals(0, factory.getTempDir().list().length, "the temporary directory is made empty at boot");
    }
}
