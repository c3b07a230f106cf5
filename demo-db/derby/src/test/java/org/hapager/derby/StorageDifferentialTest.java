package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.derby.impl.io.DirStorageFactory;
import org.apache.derby.io.StorageFile;
import org.apache.derby.io.WritableStorageFactory;
import org.apache.derby.shared.common.error.StandardException;
import org.hapager.derby.StorageWorld.Action;
import org.hapager.testkit.ClassFixture;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Seeded random sequences of {@code StorageFile} and {@code StorageRandomAccessFile} operations, applied to
 * Derby's own {@code DirStorageFactory} over a local directory and to hapager's factory over two real page
 * servers; every return value, exception class, file pointer and length must match, and so must every
 * file's bytes at checkpoints, after the database's factory shuts down (the page servers' files themselves)
 * and through a factory opened afresh.
 *
 * <p>Defaults: 20 sequences of 300 operations, each on a seed of its own ({@link Seed#cases}).
 * {@code -Dhapager.diff.seeds=N}, {@code -Dhapager.diff.ops=M} run more; a failure names its sequence's seed,
 * and {@code -Dhapager.seed=S} replays that sequence alone ({@code -Dhapager.diff.history=N} shows its last N
 * steps). The
 * operations are in {@link StorageOps}. The buffer pool has 16 pages, so write-back of partial pages and
 * re-reads happen all the time.
 *
 * <h2>Known, intended differences (not generated)</h2>
 * <ul>
 *   <li>Handles of a deleted or renamed file: see {@link StorageWorld#dropUnder}.</li>
 *   <li>Renaming a directory onto an existing empty directory: rename(2) replaces it, java.io.File on
 *       Windows refuses any existing target, the page servers refuse a directory target. Derby renames
 *       directories only to fresh names.</li>
 *   <li>{@code skipBytes} with the pointer already past the end: RandomAccessFile seeks back to the end and
 *       returns a negative count (DataInput says it returns the bytes skipped); hapager skips nothing.</li>
 *   <li>{@code InputStream.skip} past the end: FileInputStream skips past EOF (documented), hapager stops
 *       at the end, which InputStream allows and Derby's {@code InputStreamUtil.skipFully} relies on to see
 *       EOF. Only skips within {@code available()} are generated.</li>
 *   <li>{@code setReadOnly} (hapager: false, no permission bits), {@code limitAccessToOwner} (no-op) and
 *       {@code getExclusiveFileLock} (built separately) are not exercised; nor are {@code getPath} and
 *       {@code getCanonicalPath} (hapager's are {@code /CLUSTER/DB/…}): names and structure are compared.</li>
 * </ul>
 *
 * <p>Odd-numbered runs hold the database's lock on the hapager side, as Derby does while a database is booted
 * (released and taken again around each reboot), so the answers {@link NameCache} keeps for a locked database
 * are compared too; its lock file is left out of the trees compared.
 */
@ExtendWith(SeedExtension.class)
class StorageDifferentialTest {

    static final int CHECKPOINT_EVERY = 50;

    @RegisterExtension
    static final ClassFixture<DerbyCluster> cluster = ClassFixture.of(dir -> new DerbyCluster("diff", dir.resolve("servers"), 16L * StorageOps.PAGE));

    @Test
    void randomSequencesMatchDerbysDirectoryFactory(Seed seed) throws Exception {
        int sequences = Integer.getInteger("hapager.diff.seeds", 20);
        int ops = Integer.getInteger("hapager.diff.ops", 300);
        long[] totals = new long[4];
        int ran = seed.cases(sequences, (sequenceSeed, index) -> {
            long start = System.nanoTime();
            new Run(sequenceSeed.value(), index, ops).run(totals);
            System.out.println("  sequence " + index + ", " + sequenceSeed + ": ok, " + (System.nanoTime() - start) / 1_000_000 + " ms");
        });
        System.out.println("StorageDifferentialTest: " + ran + " sequences of " + ops + " operations, " + totals[0]
                + " steps compared (" + totals[1] + " threw the same exception on both sides), " + totals[2]
                + " files holding " + totals[3] + " bytes at the ends of the runs");
    }

    /** One seed: its own database directory on each side. */
    static final class Run extends StorageOps {
        final long seed;
        final int index;
        final int ops;
        final Path refDir;
        final StorageWorld hap;
        final Deque<String> recent = new ArrayDeque<>();
        int step;
        int compared;
        int threw;

        Run(long seed, int index, int ops) throws IOException {
            super(new Random(seed), reference(cluster.dir().resolve("ref").resolve("r" + index)));
            this.seed = seed;
            this.index = index;
            this.ops = ops;
            refDir = cluster.dir().resolve("ref").resolve("r" + index);
            HapagerStorageFactory h = new HapagerStorageFactory();
            h.init(null, databaseName(), null, "unique");
            hap = new StorageWorld("hapager", false, h);
            lock(h);
        }

        /** Takes the database's lock in the runs of odd seeds, as Derby's boot does. */
        void lock(HapagerStorageFactory h) {
            if ((seed & 1) == 1) {
                try {
                    if (h.newStorageFile(StorageWorld.LOCK_FILE).getExclusiveFileLock() != StorageFile.EXCLUSIVE_FILE_LOCK) {
                        fail(header() + ": the database lock was not taken");
                    }
                } catch (StandardException e) {
                    fail(header() + ": the database lock: " + e, e);
                }
            }
        }

        /** Releases the lock {@link #lock} took, as Derby's shutdown does. */
        void unlock(WritableStorageFactory h) {
            if (index % 2 == 1) {
                h.newStorageFile(StorageWorld.LOCK_FILE).releaseExclusiveFileLock();
            }
        }

        static StorageWorld reference(Path dbDir) throws IOException {
            Files.createDirectories(dbDir);
            DirStorageFactory d = new DirStorageFactory();
            d.init(null, dbDir.toString(), null, "unique");
            return new StorageWorld("reference", true, d);
        }

        String databaseName() {
            return "diff/r" + index;
        }

        void run(long[] totals) throws Exception {
            for (String d : new String[] {"a", "b", "a/sub"}) {
                compare("mkdirs " + d, w -> w.file(d).mkdirs());
            }
            for (step = 0; step < ops; step++) {
                next();
                if (step % CHECKPOINT_EVERY == CHECKPOINT_EVERY - 1) {
                    checkpoint("checkpoint after step " + step, ref.tree(), hap.tree());
                }
            }
            SortedMap<String, byte[]> expected = ref.tree();
            checkpoint("end", expected, hap.tree());
            totals[0] += compared;
            totals[1] += threw;
            for (byte[] b : expected.values()) {
                totals[2] += b == StorageWorld.DIRECTORY ? 0 : 1;
                totals[3] += b.length;
            }
            ref.closeAll();
            hap.closeAll();
            unlock(hap.factory);
            hap.factory.shutdown(); // syncs every file; the database's cluster closes
            checkpoint("the page servers' files after shutdown", expected, serverFiles());
            HapagerStorageFactory again = new HapagerStorageFactory();
            again.init(null, databaseName(), null, null);
            checkpoint("a fresh factory after shutdown", expected, new StorageWorld("reopened", false, again).tree());
        }

        @Override
        void reboot() throws IOException {
            compare("close every handle, shut down and boot again", w -> {
                w.closeAll();
                if (!w.reference) {
                    unlock(w.factory);
                    w.factory.shutdown();
                    HapagerStorageFactory h = new HapagerStorageFactory();
                    h.init(null, databaseName(), null, "unique");
                    w.factory = h;
                    lock(h);
                }
                return "rebooted";
            });
            checkpoint("after the reboot", ref.tree(), hap.tree());
        }

        /** The volume files under the database's directory on the servers' storage. */
        SortedMap<String, byte[]> serverFiles() throws IOException {
            Path root = cluster.get().servers.data.resolve("volumes").resolve("r" + index);
            SortedMap<String, byte[]> out = new TreeMap<>();
            try (Stream<Path> all = Files.walk(root)) {
                for (Path p : (Iterable<Path>) all.skip(1)::iterator) {
                    String rel = root.relativize(p).toString().replace(File.separatorChar, '/');
                    if (rel.equals(StorageWorld.LOCK_FILE)) {
                        continue;
                    }
                    out.put(rel, Files.isDirectory(p) ? StorageWorld.DIRECTORY : Files.readAllBytes(p));
                }
            }
            return out;
        }

        void checkpoint(String when, SortedMap<String, byte[]> expected, SortedMap<String, byte[]> actual) {
            String diff = StorageWorld.difference(expected, actual);
            if (diff != null) {
                fail(header() + ": files differ at " + when + ": " + diff + history());
            }
        }

        String header() {
            return "seed " + seed + " (database " + databaseName() + ", reference " + refDir + "), step " + step;
        }

        String history() {
            return "\nlast steps (reference → hapager):\n  " + String.join("\n  ", recent)
                    + "\n(with -Dhapager.diff.ops=" + ops + ")";
        }

        @Override
        void compare(String what, Action action) {
            String expected = ref.apply(action);
            String actual = hap.apply(action);
            compared++;
            threw += expected.startsWith("threw") ? 1 : 0;
            recent.addLast(step + ": " + what + " → " + expected + (expected.equals(actual) ? "" : " | HAPAGER: " + actual));
            if (recent.size() > Integer.getInteger("hapager.diff.history", 25)) {
                recent.removeFirst();
            }
            if (!expected.equals(actual)) {
                fail(header() + ": " + what + "\n  reference: " + expected + "\n  hapager:   " + actual
                        + (ref.lastError != null ? "\n  reference threw " + ref.lastError : "")
                        + (hap.lastError != null ? "\n  hapager threw " + hap.lastError : "") + history(), hap.lastError);
            }
        }
    }
}
