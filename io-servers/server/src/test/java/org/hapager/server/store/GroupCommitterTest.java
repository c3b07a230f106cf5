package org.hapager.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.hapager.server.metrics.ServerMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitterTest {

    @TempDir
    Path dir;

    /** The owner's side of a failed flush: records the calls; by default a test expects none. */
    static final class RecordingFailure implements StorageFailure {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        /** Runs inside the callback, before the store publishes the failure. */
        volatile Runnable during = () -> { };

        @Override
        public void flushFailed(String volume, Path file, IOException cause) {
            calls.add(volume + " " + file.getFileName() + " " + cause.getMessage());
            during.run();
        }
    }

    GroupCommitter committer(OpenFiles files, GroupCommitter.Forcer forcer, RecordingFailure failure,
                             SimpleMeterRegistry registry) {
        return new GroupCommitter(files, forcer, new StickyFlushFailure(dir, failure), new ServerMetrics(registry));
    }

    /** Records which channel each force was for; the first force blocks until released. */
    static final class BlockingForcer implements GroupCommitter.Forcer {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<FileChannel> forced = Collections.synchronizedList(new ArrayList<>());
        volatile IOException failWith;

        @Override
        public void force(FileChannel channel) throws IOException {
            forced.add(channel);
            entered.countDown();
            try {
                if (!release.await(10, TimeUnit.SECONDS)) {
                    throw new IOException("test never released the force");
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            if (failWith != null) {
                throw failWith;
            }
            channel.force(false);
        }
    }

    @Test
    void writesQueuedDuringAForceShareTheNextOneFilePerBatch() throws Exception {
        Path a = Files.createFile(dir.resolve("a"));
        Path b = Files.createFile(dir.resolve("b"));
        OpenFiles files = new OpenFiles(8);
        BlockingForcer forcer = new BlockingForcer();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RecordingFailure failure = new RecordingFailure();
        try (GroupCommitter committer = committer(files, forcer, failure, registry)) {
            CompletableFuture<Void> first = committer.commit(acquire(files, a));
            assertTrue(forcer.entered.await(10, TimeUnit.SECONDS), "the committer never forced the first write");

            List<CompletableFuture<Void>> next = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                next.add(committer.commit(acquire(files, a)));
            }
            for (int i = 0; i < 5; i++) {
                next.add(committer.commit(acquire(files, b)));
            }
            CompletableFuture<Void> barrier = committer.flush();
            assertFalse(first.isDone(), "completed before its force finished");
            assertTrue(next.stream().noneMatch(CompletableFuture::isDone));

            forcer.release.countDown();
            first.get(10, TimeUnit.SECONDS);
            CompletableFuture.allOf(next.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            barrier.get(10, TimeUnit.SECONDS);

            // a's second batch gathered the ten commits queued during its first force; b's lane forces on its own
            // thread (its first force may start before all five of its commits are queued: one or two batches)
            FileChannel aChannel = forcer.forced.get(0);
            long forcesOfA = forcer.forced.stream().filter(c -> c == aChannel).count();
            long forcesOfB = forcer.forced.size() - forcesOfA;
            assertEquals(2, forcesOfA, "one force for a's first write, one for the ten queued behind it");
            assertTrue(forcesOfB >= 1 && forcesOfB <= 2, "b's five commits took " + forcesOfB + " forces");
            DistributionSummary batch = registry.get("hapager.server.fsync.batch").summary();
            assertEquals(forcer.forced.size(), batch.count());
            assertEquals(16, batch.totalAmount());
            assertEquals(10, batch.max());
        }
        assertEquals(List.of(), failure.calls);
    }

    /**
     * Files are forced independently: while a long force of one file runs (a checkpoint's data file), a commit of
     * another (a database's log) is forced and completed, not queued behind it.
     */
    @Test
    void aSlowForceOfOneFileDoesNotHoldUpAnother() throws Exception {
        Path data = Files.createFile(dir.resolve("data"));
        Path logFile = Files.createFile(dir.resolve("log"));
        OpenFiles files = new OpenFiles(8);
        OpenFiles.OpenFile dataFile = acquire(files, data);
        CountDownLatch dataForceEntered = new CountDownLatch(1);
        CountDownLatch releaseData = new CountDownLatch(1);
        GroupCommitter.Forcer forcer = channel -> {
            if (channel == dataFile.channel) {
                dataForceEntered.countDown();
                try {
                    if (!releaseData.await(10, TimeUnit.SECONDS)) {
                        throw new IOException("test never released the data file's force");
                    }
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            channel.force(false);
        };
        try (GroupCommitter committer = committer(files, forcer, new RecordingFailure(), new SimpleMeterRegistry())) {
            CompletableFuture<Void> checkpoint = committer.commit(dataFile);
            assertTrue(dataForceEntered.await(10, TimeUnit.SECONDS), "the data file was never forced");
            CompletableFuture<Void> barrier = committer.flush();
            committer.commit(acquire(files, logFile)).get(10, TimeUnit.SECONDS); // completes while the data force runs
            assertFalse(checkpoint.isDone() || barrier.isDone(), "the data file's commit, and a barrier after it, wait");
            releaseData.countDown();
            checkpoint.get(10, TimeUnit.SECONDS);
            barrier.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFailedForceFailsItsWritesAndDropsTheChannel() throws Exception {
        Path a = Files.createFile(dir.resolve("a"));
        OpenFiles files = new OpenFiles(8);
        BlockingForcer forcer = new BlockingForcer();
        forcer.failWith = new IOException("EIO");
        forcer.release.countDown();
        RecordingFailure failure = new RecordingFailure();
        try (GroupCommitter committer = committer(files, forcer, failure, new SimpleMeterRegistry())) {
            OpenFiles.OpenFile file = acquire(files, a);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> committer.commit(file).get(10, TimeUnit.SECONDS));
            FlushFailedException sticky = assertInstanceOf(FlushFailedException.class, e.getCause());
            assertEquals("a", sticky.volume());
            assertEquals("EIO", sticky.getCause().getMessage());
            assertFalse(file.channel.isOpen(), "a channel whose force failed is not trusted again");
            assertEquals(0, files.size());
            assertEquals(List.of("a a EIO"), failure.calls, "the owner is told once, with volume, file and cause");
        }
    }

    /**
     * The fsyncgate case. Linux reports a failed writeback once per descriptor and may drop the dirty pages it
     * could not write, so a second fdatasync on the same descriptor succeeds although the data of the writes
     * before the failure never reached the disk. A commit queued behind the failed force must not be
     * acknowledged: the failure is sticky.
     */
    @Test
    void aCommitQueuedBehindAFailedForceOnTheSameFileIsNotAcknowledged() throws Exception {
        Path a = Files.createFile(dir.resolve("a"));
        OpenFiles files = new OpenFiles(8);
        FailFirstForce forcer = new FailFirstForce();
        RecordingFailure failure = new RecordingFailure();
        try (GroupCommitter committer = committer(files, forcer, failure, new SimpleMeterRegistry())) {
            OpenFiles.OpenFile file = acquire(files, a);
            OpenFiles.OpenFile sameDescriptor = acquire(files, a); // a second write into the same channel
            CompletableFuture<Void> first = committer.commit(file);
            assertTrue(forcer.entered.await(10, TimeUnit.SECONDS), "the committer never forced the first write");
            CompletableFuture<Void> queuedBehind = committer.commit(sameDescriptor);
            forcer.release.countDown();

            assertThrows(ExecutionException.class, () -> first.get(10, TimeUnit.SECONDS));
            ExecutionException e = assertThrows(ExecutionException.class, () -> queuedBehind.get(10, TimeUnit.SECONDS),
                    "a write queued behind a failed force of its file was acknowledged as durable");
            assertInstanceOf(FlushFailedException.class, e.getCause());
            assertEquals(1, failure.calls.size(), "the owner is told once: " + failure.calls);
        }
    }

    /**
     * After a failed force nothing is acknowledged: not a write of the same file through a freshly opened channel,
     * not another file's, not a flush barrier; nothing is forced any more; and the owner hears of the failure
     * before any future of the failed batch completes.
     */
    @Test
    void aFailedForceIsStickyForTheWholeStoreAndTheOwnerIsToldFirst() throws Exception {
        Path a = Files.createFile(dir.resolve("a"));
        Path b = Files.createFile(dir.resolve("b"));
        OpenFiles files = new OpenFiles(8);
        FailFirstForce forcer = new FailFirstForce();
        RecordingFailure failure = new RecordingFailure();
        AtomicReference<CompletableFuture<Void>> failedWrite = new AtomicReference<>();
        List<Boolean> doneWhenTold = Collections.synchronizedList(new ArrayList<>());
        failure.during = () -> doneWhenTold.add(failedWrite.get().isDone());
        try (GroupCommitter committer = committer(files, forcer, failure, new SimpleMeterRegistry())) {
            OpenFiles.OpenFile file = acquire(files, a);
            CompletableFuture<Void> first = committer.commit(file);
            failedWrite.set(first);
            forcer.release.countDown();
            assertThrows(ExecutionException.class, () -> first.get(10, TimeUnit.SECONDS));
            assertEquals(List.of(false), doneWhenTold, "the owner was told after the failed write completed");

            OpenFiles.OpenFile reopened = acquire(files, a);
            assertTrue(reopened != file, "the failed channel was handed out again");
            List<CompletableFuture<Void>> later = List.of(committer.commit(reopened), committer.commit(acquire(files, b)),
                    committer.flush());
            for (CompletableFuture<Void> f : later) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
                assertInstanceOf(FlushFailedException.class, e.getCause());
            }
            assertEquals(1, forcer.forces.get(), "nothing is forced after a failed force");
            assertEquals(1, failure.calls.size(), "the owner is told once: " + failure.calls);
        }
    }

    /** Fails the first force once released, like an EIO from fdatasync; later forces on any channel succeed. */
    static final class FailFirstForce implements GroupCommitter.Forcer {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger forces = new AtomicInteger();
        private boolean failed;

        @Override
        public void force(FileChannel channel) throws IOException {
            forces.incrementAndGet();
            if (failed) {
                channel.force(false); // the error was reported once: the kernel says nothing more
                return;
            }
            failed = true;
            entered.countDown();
            try {
                if (!release.await(10, TimeUnit.SECONDS)) {
                    throw new IOException("test never released the force");
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            throw new IOException("Input/output error");
        }
    }

    @Test
    void commitsAfterCloseFailAndReleaseTheirFile() throws Exception {
        Path a = Files.createFile(dir.resolve("a"));
        OpenFiles files = new OpenFiles(8);
        GroupCommitter committer = committer(files, GroupCommitter.FDATASYNC, new RecordingFailure(), new SimpleMeterRegistry());
        committer.close();
        OpenFiles.OpenFile file = acquire(files, a);
        assertThrows(ExecutionException.class, () -> committer.commit(file).get(10, TimeUnit.SECONDS));
        files.forgetAll();
        assertFalse(file.channel.isOpen(), "the reference was released, so forgetting closes the channel");
    }

    /** Opens (or finds cached) the channel of a plain test file. */
    /**
     * A durable write to a file with no buffered write since its last force is forced by a task on the caller's
     * event loop, after the read: the commits queued before that task runs share its one force, on that thread.
     * A commit queued while that force runs goes to the forcing threads, and so does the first commit of a file
     * that holds a buffered write (its force may flush much more than the write).
     */
    @Test
    void theCallersEventLoopForcesAFileWithoutBufferedWritesOnce() throws Exception {
        Path log = Files.createFile(dir.resolve("log"));
        Path data = Files.createFile(dir.resolve("data"));
        OpenFiles files = new OpenFiles(8);
        List<String> forcedOn = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Runnable> duringForce = new AtomicReference<>(() -> { });
        GroupCommitter.Forcer forcer = channel -> {
            forcedOn.add(Thread.currentThread().getName());
            duringForce.getAndSet(() -> { }).run();
            channel.force(false);
        };
        java.util.ArrayDeque<Runnable> eventLoop = new java.util.ArrayDeque<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (GroupCommitter committer = committer(files, forcer, new RecordingFailure(), registry)) {
            CompletableFuture<Void> first = committer.commit(acquire(files, log), eventLoop::add);
            CompletableFuture<Void> second = committer.commit(acquire(files, log), eventLoop::add);
            assertEquals(1, eventLoop.size(), "one task for the lane");
            assertEquals(List.of(), forcedOn, "nothing forced before the event loop runs its tasks");

            List<CompletableFuture<Void>> queuedDuringTheForce = new ArrayList<>();
            duringForce.set(() -> {
                try {
                    queuedDuringTheForce.add(committer.commit(acquire(files, log), eventLoop::add));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            eventLoop.poll().run();
            assertTrue(first.isDone() && second.isDone(), "both completed by the event loop's force");
            assertEquals(Thread.currentThread().getName(), forcedOn.get(0), "the first force ran on the event loop");
            queuedDuringTheForce.get(0).get(10, TimeUnit.SECONDS);
            assertTrue(forcedOn.get(1).startsWith("group-commit-"), "the commit queued during the force: " + forcedOn);
            assertTrue(eventLoop.isEmpty(), "the event loop forces once per lane it started");

            OpenFiles.OpenFile dataFile = acquire(files, data);
            dataFile.bufferedSinceForce = true;
            committer.commit(dataFile, eventLoop::add).get(10, TimeUnit.SECONDS);
            assertTrue(eventLoop.isEmpty(), "a file with a buffered write is not forced on the event loop");
            assertTrue(forcedOn.get(2).startsWith("group-commit-"), forcedOn.toString());
            assertFalse(dataFile.bufferedSinceForce, "the force covered the buffered write");
            assertEquals(3, registry.get("hapager.server.fsync.batch").summary().count());
        }
    }

    private static OpenFiles.OpenFile acquire(OpenFiles files, Path file) throws Exception {
        return files.acquire(file, () -> FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE));
    }
}
