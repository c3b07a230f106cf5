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
import java.util.concurrent.atomic.AtomicInteger;
import org.hapager.pager.PageIoException;
import org.hapager.pager.PagerClient;
import org.hapager.pager.Volume;
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
            PageIo real = PageIo.of(pager);
            AtomicInteger reads = new AtomicInteger();
            CompletableFuture<Void> gate = new CompletableFuture<>();
            PageIo gated = new PageIo() {
                @Override
                public CompletableFuture<?> read(Volume volume, long page, ByteBuffer into) {
                    reads.incrementAndGet();
                    return gate.thenCompose(x -> real.read(volume, page, into));
                }

                @Override
                public CompletableFuture<?> write(Volume volume, long page, ByteBuffer data) {
                    return real.write(volume, page, data);
                }

                @Override
                public CompletableFuture<?> sync(String volume) {
                    return real.sync(volume);
                }
            };
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
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (pool.waitingFixers() < fixers) { // every fixer waits on the one read
                    assertTrue(System.nanoTime() < deadline, "fixers waiting: " + pool.waitingFixers());
                    Thread.onSpinWait();
                }
                assertEquals(1, reads.get());
                gate.complete(null);

                for (Future<PageHandle> fix : fixes) {
                    Throwable failure = assertThrows(java.util.concurrent.ExecutionException.class,
                            () -> fix.get(10, TimeUnit.SECONDS)).getCause();
                    PageIoException e = (PageIoException) failure;
                    assertEquals(PageIoException.Kind.NOT_FOUND, e.kind(), e.toString());
                    assertTrue(e.getMessage().contains("bp/missing.dat#7"), e.getMessage());
                    assertTrue(e.getCause() instanceof PageIoException, String.valueOf(e.getCause()));
                }
                assertEquals(1, reads.get());
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
            assertEquals(2, reads.get());
            pool.sync(missing.name());
            ByteBuffer read = ByteBuffer.allocate(PAGE_SIZE);
            pager.read(missing, 7, read).join();
            assertEquals(42, read.get(0));
            pool.assertInvariants();
            pool.close();
        }
    }
}
