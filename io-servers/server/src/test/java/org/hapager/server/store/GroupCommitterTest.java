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
import org.hapager.server.metrics.ServerMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitterTest {

    @TempDir
    Path dir;

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
        try (GroupCommitter committer = new GroupCommitter(files, forcer, new ServerMetrics(registry))) {
            CompletableFuture<Void> first = committer.commit(files.acquire(a));
            assertTrue(forcer.entered.await(10, TimeUnit.SECONDS), "the committer never forced the first write");

            List<CompletableFuture<Void>> next = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                next.add(committer.commit(files.acquire(a)));
            }
            for (int i = 0; i < 5; i++) {
                next.add(committer.commit(files.acquire(b)));
            }
            CompletableFuture<Void> barrier = committer.flush();
            assertFalse(first.isDone(), "completed before its force finished");
            assertTrue(next.stream().noneMatch(CompletableFuture::isDone));

            forcer.release.countDown();
            first.get(10, TimeUnit.SECONDS);
            CompletableFuture.allOf(next.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            barrier.get(10, TimeUnit.SECONDS);

            assertEquals(3, forcer.forced.size(), "one force for batch 1 (a), one per file for batch 2 (a, b)");
            DistributionSummary batch = registry.get("hapager.server.fsync.batch").summary();
            assertEquals(3, batch.count());
            assertEquals(16, batch.totalAmount());
            assertEquals(10, batch.max());
        }
    }

    @Test
    void aFailedForceFailsItsWritesAndDropsTheChannel() throws Exception {
        Path a = Files.createFile(dir.resolve("a"));
        OpenFiles files = new OpenFiles(8);
        BlockingForcer forcer = new BlockingForcer();
        forcer.failWith = new IOException("EIO");
        forcer.release.countDown();
        try (GroupCommitter committer = new GroupCommitter(files, forcer, new ServerMetrics(new SimpleMeterRegistry()))) {
            OpenFiles.OpenFile file = files.acquire(a);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> committer.commit(file).get(10, TimeUnit.SECONDS));
            assertInstanceOf(IOException.class, e.getCause());
            assertFalse(file.channel.isOpen(), "a channel whose force failed is not trusted again");
            assertEquals(0, files.size());
        }
    }

    @Test
    void commitsAfterCloseFailAndReleaseTheirFile() throws Exception {
        Path a = Files.createFile(dir.resolve("a"));
        OpenFiles files = new OpenFiles(8);
        GroupCommitter committer = new GroupCommitter(files, GroupCommitter.FDATASYNC, new ServerMetrics(new SimpleMeterRegistry()));
        committer.close();
        OpenFiles.OpenFile file = files.acquire(a);
        assertThrows(ExecutionException.class, () -> committer.commit(file).get(10, TimeUnit.SECONDS));
        files.forgetAll();
        assertFalse(file.channel.isOpen(), "the reference was released, so forgetting closes the channel");
    }
}
