package org.hapager.bufferpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hapager.pager.PageIoException;
import org.hapager.pager.PagerClient;
import org.hapager.pager.Volume;
import org.hapager.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A pool with every frame pinned, and a read that fails under several fixers, against a real page server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufferPoolLimitsTest {

    static final int PAGE_SIZE = 512;

    @TempDir
    Path dir;

    @Test
    void allFramesPinnedFixTimesOutWithClearError() throws Exception {
        try (PoolServer servers = new PoolServer(dir)) {
            PagerClient pager = servers.client();
            Volume v = Volume.of("bp/pinned.dat", PAGE_SIZE);
            pager.create(v.name(), true).join();
            BufferPool pool = new BufferPool(pager, new BufferPoolConfig(4L * PAGE_SIZE, PAGE_SIZE,
                    Duration.ofMillis(200), new SimpleMeterRegistry()));
            List<PageHandle> held = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                held.add(pool.fix(v, p, p % 2 == 0 ? Mode.EXCLUSIVE : Mode.SHARED));
            }
            held.get(0).markDirty();

            FixTimeoutException full = assertThrows(FixTimeoutException.class, () -> pool.fix(v, 4, Mode.SHARED));
            assertTrue(full.getMessage().contains("all 4 frames are pinned or in I/O (pinned 4"), full.getMessage());
            assertTrue(full.getMessage().contains("bp/pinned.dat#4"), full.getMessage());
            FixTimeoutException busy = assertThrows(FixTimeoutException.class, () -> pool.fix(v, 0, Mode.SHARED));
            assertTrue(busy.getMessage().contains("bp/pinned.dat#0") && busy.getMessage().contains("exclusive true"),
                    busy.getMessage());
            pool.assertInvariants();

            held.get(0).close(); // the dirty one: taking its frame means writing it back first
            try (PageHandle h = pool.fix(v, 4, Mode.SHARED)) {
                assertEquals(4, h.page());
            }
            held.forEach(PageHandle::close);
            pool.assertInvariants();
            pool.close();
        }
    }

    @Test
    void failedReadFailsEveryConcurrentFixerAndFreesTheFrame() throws Exception {
        try (PoolServer servers = new PoolServer(dir)) {
            PagerClient pager = servers.client();
            GatedIo gated = new GatedIo(PageIo.of(pager));
            CompletableFuture<Void> gate = new CompletableFuture<>();
            gated.readGate = gate;
            BufferPool pool = new BufferPool(gated, new BufferPoolConfig(PAGE_SIZE, PAGE_SIZE,
                    Duration.ofSeconds(20), new SimpleMeterRegistry()));
            Volume missing = Volume.of("bp/missing.dat", PAGE_SIZE);
            int fixers = 4;
            ExecutorService threads = Executors.newFixedThreadPool(fixers);
            try {
                List<Future<PageHandle>> fixes = new ArrayList<>();
                for (int i = 0; i < fixers; i++) {
                    Mode mode = i % 2 == 0 ? Mode.SHARED : Mode.EXCLUSIVE;
                    fixes.add(threads.submit(() -> pool.fix(missing, 7, mode)));
                }
                Await.until("every fixer to wait on the one read", () -> pool.waitingFixers() >= fixers,
                        () -> pool.waitingFixers() + " waiting");
                assertEquals(1, gated.reads.get());
                gate.complete(null);

                for (Future<PageHandle> fix : fixes) {
                    Throwable failure = assertThrows(java.util.concurrent.ExecutionException.class,
                            () -> fix.get(10, TimeUnit.SECONDS)).getCause();
                    PageIoException e = (PageIoException) failure;
                    assertEquals(PageIoException.Kind.NOT_FOUND, e.kind(), e.toString());
                    assertTrue(e.getMessage().contains("bp/missing.dat#7"), e.getMessage());
                    assertTrue(e.getCause() instanceof PageIoException, String.valueOf(e.getCause()));
                }
                assertEquals(1, gated.reads.get());
            } finally {
                threads.shutdownNow();
            }
            pool.assertInvariants();

            // The pool's only frame is free again: the page of a volume that now exists can be fixed.
            pager.create(missing.name(), true).join();
            try (PageHandle h = pool.fix(missing, 7, Mode.EXCLUSIVE)) {
                assertEquals(ByteBuffer.allocate(PAGE_SIZE), h.buffer().duplicate().clear());
                h.buffer().put(0, (byte) 42);
                h.markDirty();
            }
            assertEquals(2, gated.reads.get());
            pool.sync(missing.name());
            ByteBuffer read = ByteBuffer.allocate(PAGE_SIZE);
            pager.read(missing, 7, read).join();
            assertEquals(42, read.get(0));
            pool.assertInvariants();
            pool.close();
        }
    }

    @Test
    void frameUnderWriteBackIsNotReusedAndSyncWaitsForTheWrite() throws Exception {
        try (PoolServer servers = new PoolServer(dir)) {
            PagerClient pager = servers.client();
            Volume v = Volume.of("bp/writing.dat", PAGE_SIZE);
            pager.create(v.name(), true).join();
            GatedIo gated = new GatedIo(PageIo.of(pager));
            // no flusher: the only write-back must be the one eviction starts, behind the gate
            BufferPool pool = new BufferPool(gated, new BufferPoolConfig(PAGE_SIZE, PAGE_SIZE,
                    Duration.ofSeconds(20), new SimpleMeterRegistry()).withoutFlusher());
            try (PageHandle h = pool.fix(v, 0, Mode.EXCLUSIVE)) {
                h.buffer().put(0, (byte) 7);
                h.markDirty();
            }
            CompletableFuture<Void> writeGate = new CompletableFuture<>();
            gated.writeGate = writeGate;
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                // Page 1 needs the only frame, which holds dirty page 0: its write-back starts and is held.
                Future<PageHandle> fix1 = threads.submit(() -> pool.fix(v, 1, Mode.SHARED));
                Await.until("the write-back to start", () -> gated.writes.get() >= 1 && pool.waitingFixers() >= 1);
                Future<?> sync = threads.submit(() -> {
                    pool.sync(v.name());
                    return null;
                });
                pool.assertInvariants();
                assertEquals(1, gated.reads.get(), "the frame in write-back must not be reused for page 1");
                assertTrue(!fix1.isDone() && !sync.isDone(), "fix and sync must wait for the write");

                writeGate.complete(null);
                try (PageHandle h1 = fix1.get(10, TimeUnit.SECONDS)) {
                    assertEquals(1, h1.page());
                }
                sync.get(10, TimeUnit.SECONDS);
                assertEquals(1, gated.writes.get());
                assertEquals(2, gated.reads.get());
            } finally {
                threads.shutdownNow();
            }
            ByteBuffer read = ByteBuffer.allocate(PAGE_SIZE);
            pager.read(v, 0, read).join();
            assertEquals(7, read.get(0));
            pool.assertInvariants();
            pool.close();
        }
    }
}
