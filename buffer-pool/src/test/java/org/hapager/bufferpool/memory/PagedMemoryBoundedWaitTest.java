package org.hapager.bufferpool.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.BufferPoolConfig;
import org.hapager.bufferpool.FixTimeoutException;
import org.hapager.bufferpool.MemoryPageIo;
import org.hapager.bufferpool.PoolTimeoutException;
import org.hapager.pager.PageIoException;
import org.hapager.pager.PagerClient;
import org.hapager.pager.PagerConfig;
import org.hapager.server.process.PageServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing a {@link PagedMemory} does hangs (issue 13, defect 5): its sync (and so its close) with a
 * write-back that never completes fails after the pool's {@code ioTimeout}, an access whose read never
 * completes after the pool's {@code fixTimeout}, and its sync and open against a frozen (SIGSTOPped) page-server
 * process after the pool's {@code ioTimeout}, though the pager itself would wait a much longer failover
 * deadline; the write-back the sync gave up on still lands once the server thaws. The failures name the
 * operation, the page and the volume. The test's {@code assertTimeoutPreemptively} only detects a hang.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PagedMemoryBoundedWaitTest {

    static final int PAGE = 512;
    static final Duration BOUND = Duration.ofMillis(300);
    static final Duration HANG = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    @Test
    void syncAndCloseWithAWriteBackThatNeverCompletesFailAfterIoTimeout() {
        ExecutorService ioThread = Executors.newSingleThreadExecutor();
        MemoryPageIo io = new MemoryPageIo(ioThread);
        try (BufferPool pool = new BufferPool(io, new BufferPoolConfig(4L * PAGE, PAGE, Duration.ofSeconds(20),
                new SimpleMeterRegistry()).withoutFlusher().withIoTimeout(BOUND))) {
            PagedMemory mem = new PagedMemory(pool, "mem/stuck", 4L * PAGE);
            mem.putLong(PAGE + 8, 42);
            CompletableFuture<Void> gate = new CompletableFuture<>();
            io.holdWritesUntil(gate);

            PagedMemoryException e = assertThrows(PagedMemoryException.class,
                    () -> assertTimeoutPreemptively(HANG, mem::sync));
            assertEquals(PageIoException.Kind.UNAVAILABLE, e.kind());
            PoolTimeoutException cause = assertInstanceOf(PoolTimeoutException.class, e.getCause());
            assertEquals(PoolTimeoutException.WaitedFor.WRITE_BACK, cause.waitedFor());
            assertEquals(1, cause.page());
            assertTrue(e.getMessage().startsWith("sync of PagedMemory(mem/stuck") && e.getMessage().contains("mem/stuck#1")
                    && e.getMessage().contains("timed out after 300 ms"), e.getMessage());

            PagedMemoryException onClose = assertThrows(PagedMemoryException.class,
                    () -> assertTimeoutPreemptively(HANG, mem::close));
            assertInstanceOf(PoolTimeoutException.class, onClose.getCause());
            assertEquals(0, mem.getLong(0), "a close that failed leaves the memory open");
            pool.assertInvariants();

            gate.complete(null); // the write-back completes late; a sync (and close) now succeeds
            mem.close();
            assertEquals(42, ByteBuffer.wrap(io.stored(mem.volume().name(), 1)).getLong(8));
            pool.assertInvariants();
        } finally {
            ioThread.shutdownNow();
        }
    }

    @Test
    void accessWhoseReadNeverCompletesFailsAfterFixTimeout() {
        ExecutorService ioThread = Executors.newSingleThreadExecutor();
        MemoryPageIo io = new MemoryPageIo(ioThread);
        try (BufferPool pool = new BufferPool(io, new BufferPoolConfig(4L * PAGE, PAGE, BOUND,
                new SimpleMeterRegistry()).withoutFlusher())) {
            PagedMemory mem = new PagedMemory(pool, "mem/unread", 8L * PAGE);
            CompletableFuture<Void> gate = new CompletableFuture<>();
            io.holdReadsUntil(gate);

            PagedMemoryException e = assertThrows(PagedMemoryException.class,
                    () -> assertTimeoutPreemptively(HANG, () -> mem.getLong(2L * PAGE)));
            FixTimeoutException cause = assertInstanceOf(FixTimeoutException.class, e.getCause());
            assertEquals(PoolTimeoutException.WaitedFor.READ, cause.waitedFor());
            assertTrue(e.getMessage().startsWith("getLong at offset 1024 (page 2 of mem/unread"), e.getMessage());
            assertThrows(PagedMemoryException.class, () -> assertTimeoutPreemptively(HANG, () -> mem.putByte(2L * PAGE, (byte) 1)));
            pool.assertInvariants();

            gate.complete(null);
            mem.putByte(2L * PAGE, (byte) 1);
            assertEquals(1, mem.getByte(2L * PAGE));
            pool.assertInvariants();
        } finally {
            ioThread.shutdownNow();
        }
    }

    @Test
    void syncAndOpenAgainstAFrozenServerFailAfterIoTimeoutAndTheWriteLandsWhenItThaws() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path token = dir.resolve("token");
        try (PageServerProcess server = PageServerProcess.start(data, token);
             PagerClient pager = PagerClient.connect(PagerConfig.builder().servers(server.address()).tokenFile(token)
                     .lease(Duration.ofSeconds(1)).failoverDeadline(Duration.ofMinutes(2))
                     .meterRegistry(new SimpleMeterRegistry()).build());
             BufferPool pool = new BufferPool(pager, new BufferPoolConfig(4L * PAGE, PAGE, Duration.ofSeconds(20),
                     new SimpleMeterRegistry()).withoutFlusher().withIoTimeout(Duration.ofSeconds(1)))) {
            PagedMemory mem = PagedMemory.open(pool, pager, "swap/thaw", 8L * PAGE);
            mem.putLong(3L * PAGE, 4242);
            server.sigstop();
            try {
                PagedMemoryException e = assertThrows(PagedMemoryException.class,
                        () -> assertTimeoutPreemptively(Duration.ofSeconds(30), mem::sync));
                PoolTimeoutException cause = assertInstanceOf(PoolTimeoutException.class, e.getCause());
                assertEquals(PoolTimeoutException.WaitedFor.WRITE_BACK, cause.waitedFor());
                assertEquals(3, cause.page());
                assertTrue(e.getMessage().contains("swap/thaw#3") && e.getMessage().contains("timed out after 1000 ms"),
                        e.getMessage());
                pool.assertInvariants(); // the write-back is still in flight, its frame pinned by it

                // An open's pager requests are bounded the same way (the pager alone would wait 2 minutes).
                PagedMemoryException open = assertThrows(PagedMemoryException.class, () -> assertTimeoutPreemptively(
                        Duration.ofSeconds(30), () -> PagedMemory.open(pool, pager, "swap/frozen", 8L * PAGE)));
                PoolTimeoutException openCause = assertInstanceOf(PoolTimeoutException.class, open.getCause());
                assertEquals(PoolTimeoutException.WaitedFor.PAGER_REQUEST, openCause.waitedFor());
                assertEquals("open", openCause.operation());
                assertEquals("swap/frozen", openCause.volume());
                assertEquals(PageIoException.Kind.UNAVAILABLE, open.kind());
                assertTrue(open.getMessage().startsWith("open of PagedMemory(swap/frozen") && open.getMessage().contains(
                        "create of the swap volume failed: timed out after 1000 ms (the pool's ioTimeout)"), open.getMessage());
            } finally {
                server.sigcont();
            }
            // The pager finishes the write once the server answers again (within its 2-minute deadline).
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                while (true) {
                    try {
                        mem.sync();
                        return;
                    } catch (PagedMemoryException again) {
                        assertInstanceOf(PoolTimeoutException.class, again.getCause(), again::toString);
                    }
                }
            });
            ByteBuffer page = ByteBuffer.allocate(PAGE);
            pager.read(mem.volume(), 3, page).join();
            assertEquals(4242, page.getLong(0));
            pool.assertInvariants();
        }
    }
}
