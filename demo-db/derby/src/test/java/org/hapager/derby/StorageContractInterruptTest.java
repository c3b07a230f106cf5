package org.hapager.derby;

import static org.hapager.derby.StorageContractTest.nonzero;
import static org.hapager.derby.StorageContractTest.readAll;
import static org.hapager.derby.StorageContractTest.readFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.derby.io.StorageFile;
import org.apache.derby.io.StorageRandomAccessFile;
import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.BufferPoolConfig;
import org.hapager.bufferpool.PageIo;
import org.hapager.pager.Volume;
import org.hapager.testkit.ClassFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The interrupt rule (DERBY-4741): Derby interrupts its threads as a matter of course and must never see an
 * interrupt as an I/O error. A thread with its interrupt flag set does its reads, writes, syncs, length
 * changes and namespace operations, and still has the flag set afterwards. Two real page servers, a 16-page
 * buffer pool.
 */
class StorageContractInterruptTest {

    static final String CLUSTER = "interrupts";

    @RegisterExtension
    static final ClassFixture<DerbyCluster> cluster = ClassFixture.of(dir -> new DerbyCluster(CLUSTER, dir, 16L * 4096));

    HapagerStorageFactory factory;

    @AfterEach
    void shutdown() {
        Thread.interrupted();
        if (factory != null) {
            factory.shutdown();
        }
    }

    HapagerStorageFactory boot(String name) throws IOException {
        factory = new HapagerStorageFactory();
        factory.init(null, CLUSTER + "/" + name, null, "unique");
        return factory;
    }

    /** Shuts the database down (the cluster closes: every file synced) and boots it again. */
    HapagerStorageFactory reopen(String name) throws IOException {
        factory.shutdown();
        factory = null;
        return boot(name);
    }

    interface IoStep {
        void run() throws Exception;
    }

    /** Runs {@code step} with the interrupt flag set: it must succeed and leave the flag set. */
    static void interrupted(String what, IoStep step) throws Exception {
        Thread.currentThread().interrupt();
        try {
            step.run();
            assertTrue(Thread.currentThread().isInterrupted(), what + " cleared the interrupt flag");
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void anInterruptedThreadDoesItsIoAndKeepsItsFlag() throws Exception {
        boot("interrupt");
        byte[] big = nonzero(new Random(3), 20 * 4096 + 123); // more than the pool: evictions wait for write-backs
        StorageFile file = factory.newStorageFile("i.dat");
        StorageRandomAccessFile raf = file.getRandomAccessFile("rw");
        interrupted("write", () -> raf.write(big));
        interrupted("readFully", () -> assertArrayEquals(big, readAll(raf)));
        interrupted("sync", raf::sync);
        interrupted("setLength (shrink)", () -> raf.setLength(5000));
        interrupted("setLength (grow) and sync", () -> {
            raf.setLength(9000);
            raf.sync();
        });
        StorageRandomAccessFile rwd = file.getRandomAccessFile("rwd");
        interrupted("rwd write", () -> rwd.write(big, 0, 6000));
        interrupted("stream write and sync", () -> {
            OutputStream out = factory.newStorageFile("o.dat").getOutputStream(true);
            out.write(big);
            factory.sync(out, false);
            out.close();
        });
        interrupted("stream read", () -> {
            try (InputStream in = factory.newStorageFile("o.dat").getInputStream()) {
                assertArrayEquals(big, in.readAllBytes());
            }
        });
        interrupted("namespace operations", () -> {
            assertTrue(factory.newStorageFile("d/e").mkdirs());
            assertTrue(factory.newStorageFile("d/e/f").createNewFile());
            assertTrue(factory.newStorageFile("d/e/f").exists());
            assertEquals(1, factory.newStorageFile("d/e").list().length);
            assertTrue(factory.newStorageFile("d/e/f").renameTo(factory.newStorageFile("d/g")));
            assertTrue(factory.newStorageFile("d/g").delete());
            assertTrue(factory.newStorageFile("d").deleteAll());
        });
        rwd.close();
        raf.close();
        assertEquals(9000, readFile(reopen("interrupt"), "i.dat").length);
    }

    @Test
    void ioKeepsWorkingWhileAnotherThreadKeepsInterruptingIt() throws Exception {
        boot("interrupts");
        byte[] data = nonzero(new Random(5), 20 * 4096);
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                StorageRandomAccessFile raf = factory.newStorageFile("w.dat").getRandomAccessFile("rw");
                for (int i = 0; i < 80; i++) {
                    int at = (i * 4093) % data.length;
                    raf.seek(at);
                    raf.write(data, at, Math.min(5000, data.length - at));
                    if (i % 10 == 0) {
                        raf.sync();
                    }
                    if (i % 25 == 24) {
                        raf.setLength(raf.length() / 2);
                    }
                    raf.seek(0);
                    raf.readFully(new byte[(int) raf.length()]);
                    done.incrementAndGet();
                }
                raf.close();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "interrupted-io");
        worker.start();
        int seen = -1;
        while (worker.isAlive()) {
            if (done.get() != seen) {
                seen = done.get();
                worker.interrupt();
            }
            Thread.yield();
        }
        worker.join();
        if (failure.get() != null) {
            throw new AssertionError("I/O failed on an interrupted thread after " + done.get() + " rounds", failure.get());
        }
    }

    /** Page writes and syncs held until {@link #release()}: the pool's write-backs stay in flight meanwhile. */
    static final class HeldWrites implements PageIo {
        final List<CompletableFuture<Object>> held = new CopyOnWriteArrayList<>();
        /** Pages in the writes held so far (a sync writes contiguous pages in one write). */
        final AtomicInteger heldPages = new AtomicInteger();
        volatile boolean holding = true;

        @Override
        public CompletableFuture<?> read(Volume volume, long page, ByteBuffer into) {
            return CompletableFuture.completedFuture(null); // a new page: the frame's zeros
        }

        @Override
        public CompletableFuture<?> write(Volume volume, long firstPage, ByteBuffer data) {
            heldPages.addAndGet(data.remaining() / volume.pageSize());
            return hold();
        }

        @Override
        public CompletableFuture<?> writeBuffered(Volume volume, long page, ByteBuffer data) {
            heldPages.incrementAndGet();
            return hold();
        }

        @Override
        public CompletableFuture<?> sync(String volume) {
            return hold();
        }

        private CompletableFuture<?> hold() {
            if (!holding) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Object> f = new CompletableFuture<>();
            held.add(f);
            return f;
        }

        void release() {
            holding = false;
            held.forEach(f -> f.complete(null));
        }
    }

    @Test
    void aShrinkWaitingForAWriteBackInFlightIsNotAbortedByTheInterrupt() throws Exception {
        // the pool's pages go to held writes in memory; the length changes to the real servers
        HeldWrites io = new HeldWrites();
        BufferPool pool = new BufferPool(io, new BufferPoolConfig(16L * 4096, 4096, Duration.ofSeconds(60), new SimpleMeterRegistry()));
        Cluster c = HapagerDerby.cluster(CLUSTER);
        Volume volume = new Volume("held/v.dat", 4096);
        Uninterruptible.await(c.pager, () -> c.pager.create(volume.name(), false), "create");
        FileContents contents = new FileContents(pool, c.pager, volume, 0, FileContents.WriteGate.OPEN);
        contents.write(0, nonzero(new Random(1), 3 * 4096), 0, 3 * 4096);

        AtomicReference<Throwable> syncFailure = new AtomicReference<>();
        Thread syncer = new Thread(() -> {
            try {
                contents.sync(); // writes the three pages back: they stay in flight until released
            } catch (Throwable t) {
                syncFailure.set(t);
            }
        }, "syncer");
        syncer.start();
        while (io.heldPages.get() < 3) {
            Thread.yield();
        }
        Thread shrinking = Thread.currentThread();
        Thread releaser = new Thread(() -> {
            while (shrinking.getState() != Thread.State.TIMED_WAITING && shrinking.getState() != Thread.State.WAITING) {
                Thread.yield(); // until the shrink waits for the write-backs
            }
            io.release();
        }, "releaser");
        releaser.start();
        Thread.currentThread().interrupt();
        try {
            contents.setLength(100); // drops pages 1 and 2, in flight: waits for them
            assertTrue(Thread.currentThread().isInterrupted(), "setLength cleared the interrupt flag");
        } finally {
            Thread.interrupted();
            io.release();
            releaser.join();
            syncer.join();
        }
        if (syncFailure.get() != null) {
            throw new AssertionError("sync failed", syncFailure.get());
        }
        assertEquals(100, contents.length());
        pool.close();
    }
}
