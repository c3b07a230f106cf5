package org.hapager.bufferpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.hapager.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Nothing in the pool hangs (issue 13, defect 5): a sync, an eviction's fix, a fix waiting for a read and a
 * discard whose I/O never completes fail after their bound ({@code ioTimeout} for a sync, {@code fixTimeout}
 * for the rest) with a {@link PoolTimeoutException} naming the operation, volume, page and what it waited
 * for; an interrupted sync or fix fails at once (REJECTED) with the interrupt flag kept; close returns within
 * its bound while the flusher is stuck in a submit; and the frame waited for stays pinned by its I/O
 * (invariants hold) until the I/O really completes. The three sync tests hung before the fix (sync waited with
 * {@code awaitUninterruptibly()}); the fix, discard and close waits were already bounded and are pinned here. Every bound here is small; the test's own
 * {@code assertTimeoutPreemptively} only detects a hang, with a wide margin.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufferPoolBoundedWaitTest {

    static final int PAGE_SIZE = 512;
    static final Duration BOUND = Duration.ofMillis(300);
    /** Far beyond every bound: reaching it means the wait hung. */
    static final Duration HANG = Duration.ofSeconds(15);

    final MemoryPageIo io = new MemoryPageIo();
    final Volume v = Volume.of("bw/stuck.dat", PAGE_SIZE);
    final ExecutorService threads = Executors.newCachedThreadPool();
    BufferPool pool;

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
        if (pool != null) {
            pool.close();
        }
    }

    private BufferPool pool(int frames, Duration fixTimeout, Duration ioTimeout) {
        pool = new BufferPool(io, new BufferPoolConfig((long) frames * PAGE_SIZE, PAGE_SIZE, fixTimeout,
                new SimpleMeterRegistry()).withoutFlusher().withReadAheadPages(0).withIoTimeout(ioTimeout));
        return pool;
    }

    private void dirty(long page, int value) throws PageIoException {
        try (PageHandle h = pool.fix(v, page, Mode.EXCLUSIVE)) {
            h.buffer().putInt(0, value);
            h.markDirty();
        }
    }

    @Test
    void syncWhoseWriteBackNeverCompletesFailsAfterIoTimeoutAndTheFrameStaysWriting() throws Exception {
        pool(4, Duration.ofSeconds(20), BOUND);
        dirty(3, 33);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        io.holdWritesUntil(gate); // the write-back is submitted and never completes until the gate opens

        PoolTimeoutException e = assertThrows(PoolTimeoutException.class,
                () -> assertTimeoutPreemptively(HANG, () -> pool.sync(v.name())));
        assertEquals("sync", e.operation());
        assertEquals(v.name(), e.volume());
        assertEquals(3, e.page());
        assertEquals(PoolTimeoutException.WaitedFor.WRITE_BACK, e.waitedFor());
        assertEquals(PageIoException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.waited().compareTo(BOUND) >= 0, e.waited().toString());
        assertTrue(e.getMessage().startsWith("sync of bw/stuck.dat timed out after 300 ms"), e.getMessage());
        assertTrue(e.getMessage().contains("bw/stuck.dat#3") && e.getMessage().contains("write-back in flight"),
                e.getMessage());

        // The waiter stopped; the write did not: the frame is still WRITING, pinned by its I/O.
        assertEquals(FrameState.WRITING, pool.stateOf(v.name(), 3));
        pool.assertInvariants();
        assertEquals(1, io.writes());

        gate.complete(null); // the write completes late: the frame is CLEAN, the page durable
        Await.until("the late write-back to complete", () -> pool.stateOf(v.name(), 3) == FrameState.CLEAN);
        pool.assertInvariants();
        assertEquals(33, java.nio.ByteBuffer.wrap(io.stored(v.name(), 3)).getInt(0));
        pool.sync(v.name()); // nothing left to write
        assertEquals(1, io.writes());
    }

    @Test
    void syncWaitingForAnExclusivePinFailsAfterIoTimeoutAndReleasesItsRequest() throws Exception {
        pool(4, Duration.ofSeconds(20), BOUND);
        PageHandle held = pool.fix(v, 5, Mode.EXCLUSIVE);
        held.buffer().putInt(0, 55);
        held.markDirty();

        // Another thread syncs: it needs the exclusive pin to end, which it never does while the sync waits.
        Future<?> sync = threads.submit(() -> {
            pool.sync(v.name());
            return null;
        });
        ExecutionException failed = assertThrows(ExecutionException.class, () -> sync.get(HANG.toMillis(), TimeUnit.MILLISECONDS));
        PoolTimeoutException e = (PoolTimeoutException) failed.getCause();
        assertEquals(PoolTimeoutException.WaitedFor.PIN, e.waitedFor());
        assertEquals(PageIoException.Kind.REJECTED, e.kind());
        assertEquals(5, e.page());
        assertTrue(e.getMessage().contains("bw/stuck.dat#5") && e.getMessage().contains("exclusive"), e.getMessage());
        assertEquals(0, io.writes());
        pool.assertInvariants();

        held.close();
        // The failed sync's request for the pin is gone: a new exclusive fix does not wait for a sync.
        try (PageHandle again = assertTimeoutPreemptively(HANG, () -> pool.fix(v, 5, Mode.EXCLUSIVE))) {
            assertEquals(55, again.buffer().getInt(0));
        }
        pool.sync(v.name());
        assertEquals(1, io.writes());
        pool.assertInvariants();
    }

    @Test
    void interruptedSyncFailsRejectedAtOnceAndKeepsTheInterruptFlag() throws Exception {
        pool(4, Duration.ofSeconds(20), Duration.ofSeconds(30)); // only the interrupt can end this wait in time
        dirty(1, 11);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        io.holdWritesUntil(gate);

        record Verdict(Throwable failure, boolean interruptFlag) {}
        CompletableFuture<Verdict> verdict = new CompletableFuture<>();
        Thread syncer = new Thread(() -> {
            try {
                pool.sync(v.name());
                verdict.complete(new Verdict(null, Thread.currentThread().isInterrupted()));
            } catch (Throwable e) {
                verdict.complete(new Verdict(e, Thread.currentThread().isInterrupted()));
            }
        }, "bounded-wait-syncer");
        syncer.setDaemon(true);
        syncer.start();
        Await.until("the sync's write-back to be submitted", () -> io.writes() == 1);
        syncer.interrupt();

        Verdict result = verdict.get(HANG.toMillis(), TimeUnit.MILLISECONDS); // a TimeoutException here: the sync hung
        assertTrue(result.failure() instanceof PageIoException, String.valueOf(result.failure()));
        PageIoException e = (PageIoException) result.failure();
        assertEquals(PageIoException.Kind.REJECTED, e.kind(), e.toString());
        assertFalse(e instanceof PoolTimeoutException, e.toString());
        assertTrue(e.getMessage().contains("sync of bw/stuck.dat") && e.getMessage().contains("interrupted"),
                e.getMessage());
        assertTrue(result.interruptFlag(), "the interrupt flag is set again for the caller to act on");
        assertEquals(FrameState.WRITING, pool.stateOf(v.name(), 1));
        pool.assertInvariants();
        gate.complete(null);
        Await.until("the write-back to complete", () -> pool.stateOf(v.name(), 1) == FrameState.CLEAN);
        pool.assertInvariants();
    }

    @Test
    void fixWaitingForAnEvictionWriteBackThatNeverCompletesFailsAfterFixTimeout() throws Exception {
        pool(1, BOUND, Duration.ofSeconds(30));
        dirty(0, 7);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        io.holdWritesUntil(gate);

        // The only frame is dirty: a miss starts its write-back (eviction), which never completes.
        FixTimeoutException e = assertThrows(FixTimeoutException.class,
                () -> assertTimeoutPreemptively(HANG, () -> pool.fix(v, 1, Mode.SHARED)));
        assertEquals("fix", e.operation());
        assertEquals(PoolTimeoutException.WaitedFor.FRAME, e.waitedFor());
        assertEquals(PageIoException.Kind.REJECTED, e.kind());
        assertTrue(e.getMessage().contains("fix of bw/stuck.dat#1 timed out after 300 ms")
                && e.getMessage().contains("writing 1"), e.getMessage());
        assertEquals(FrameState.WRITING, pool.stateOf(v.name(), 0));
        pool.assertInvariants();

        // A fix of the page being written waits for its write-back, and is bounded the same way.
        FixTimeoutException onPage = assertThrows(FixTimeoutException.class,
                () -> assertTimeoutPreemptively(HANG, () -> pool.fix(v, 0, Mode.SHARED)));
        assertEquals(PoolTimeoutException.WaitedFor.WRITE_BACK, onPage.waitedFor());
        assertEquals(0, onPage.page());

        gate.complete(null);
        try (PageHandle h = pool.fix(v, 1, Mode.SHARED)) { // the write completed: its frame is evicted now
            assertEquals(1, h.page());
        }
        assertEquals(7, java.nio.ByteBuffer.wrap(io.stored(v.name(), 0)).getInt(0));
        pool.assertInvariants();
    }

    @Test
    void fixWaitingForAReadThatNeverCompletesFailsAfterFixTimeout() throws Exception {
        pool(2, BOUND, Duration.ofSeconds(30));
        CompletableFuture<Void> gate = new CompletableFuture<>();
        io.holdReadsUntil(gate);

        FixTimeoutException e = assertThrows(FixTimeoutException.class,
                () -> assertTimeoutPreemptively(HANG, () -> pool.fix(v, 9, Mode.EXCLUSIVE)));
        assertEquals(PoolTimeoutException.WaitedFor.READ, e.waitedFor());
        assertEquals(9, e.page());
        assertEquals(FrameState.READING, pool.stateOf(v.name(), 9));
        pool.assertInvariants();

        // discard of the page being read waits for that read, bounded by the fix timeout too
        FixTimeoutException discard = assertThrows(FixTimeoutException.class,
                () -> assertTimeoutPreemptively(HANG, () -> pool.discard(v.name(), 0)));
        assertEquals("discard", discard.operation());
        assertEquals(PoolTimeoutException.WaitedFor.READ, discard.waitedFor());

        gate.complete(null);
        Await.until("the late read to complete", () -> pool.stateOf(v.name(), 9) == FrameState.CLEAN);
        pool.assertInvariants();
        pool.discard(v.name(), 0);
        pool.assertInvariants();
    }

    @Test
    void interruptedFixWaitingForAReadFailsRejectedAtOnceAndLeavesTheReadInFlight() throws Exception {
        pool(2, Duration.ofSeconds(30), Duration.ofSeconds(30)); // only the interrupt can end this wait in time
        CompletableFuture<Void> gate = new CompletableFuture<>();
        io.holdReadsUntil(gate);

        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        CompletableFuture<Boolean> flag = new CompletableFuture<>();
        Thread fixer = new Thread(() -> {
            try (PageHandle h = pool.fix(v, 4, Mode.SHARED)) {
                failure.complete(null);
            } catch (Throwable e) {
                failure.complete(e);
            }
            flag.complete(Thread.currentThread().isInterrupted());
        }, "bounded-wait-fixer");
        fixer.setDaemon(true);
        fixer.start();
        Await.until("the fixer to wait for its read", () -> pool.waitingFixers() == 1);
        fixer.interrupt();

        Throwable e = failure.get(HANG.toMillis(), TimeUnit.MILLISECONDS);
        assertTrue(e instanceof PageIoException p && p.kind() == PageIoException.Kind.REJECTED
                && !(e instanceof PoolTimeoutException), String.valueOf(e));
        assertTrue(e.getMessage().contains("fix of bw/stuck.dat#4: interrupted while waiting"), e.getMessage());
        assertTrue(flag.get(HANG.toMillis(), TimeUnit.MILLISECONDS), "the interrupt flag is set again");
        assertEquals(FrameState.READING, pool.stateOf(v.name(), 4), "the read goes on");
        pool.assertInvariants(); // the fixer's claim on the read (loadWaiters) is gone

        gate.complete(null);
        Await.until("the read to complete", () -> pool.stateOf(v.name(), 4) == FrameState.CLEAN);
        try (PageHandle h = pool.fix(v, 4, Mode.EXCLUSIVE)) {
            assertEquals(4, h.page());
        }
        pool.assertInvariants();
    }

    @Test
    void closeReturnsWithinItsBoundWhileTheFlusherIsStuckInASubmit() throws Exception {
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        PageIo blocking = new PageIo() { // a write submit that blocks, as a pager's does while it has no room
            @Override
            public CompletableFuture<?> read(Volume volume, long page, java.nio.ByteBuffer into) {
                return io.read(volume, page, into);
            }

            @Override
            public CompletableFuture<?> write(Volume volume, long firstPage, java.nio.ByteBuffer data) {
                blockInSubmit();
                return io.write(volume, firstPage, data);
            }

            @Override
            public CompletableFuture<?> writeBuffered(Volume volume, long page, java.nio.ByteBuffer data) {
                blockInSubmit();
                return io.writeBuffered(volume, page, data);
            }

            private void blockInSubmit() {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public CompletableFuture<?> sync(String volume) {
                return io.sync(volume);
            }
        };
        pool = new BufferPool(blocking, new BufferPoolConfig(4L * PAGE_SIZE, PAGE_SIZE, BOUND, new SimpleMeterRegistry())
                .withReadAheadPages(0).withFlusher(0, 0, Duration.ZERO, 1)); // the first dirty page is flushed
        try {
            dirty(2, 22);
            assertTrue(entered.await(HANG.toMillis(), TimeUnit.MILLISECONDS), "the flusher submits the write");
            Thread flusher = pool.flusherThread();

            assertTimeoutPreemptively(HANG, pool::close); // waits for the flusher max(1 s, fixTimeout), then returns
            assertTrue(flusher.isAlive(), "the flusher is still in its submit");
            PageIoException closed = assertThrows(PageIoException.class, () -> pool.fix(v, 0, Mode.SHARED));
            assertEquals(PageIoException.Kind.REJECTED, closed.kind());
            assertTrue(closed.getMessage().contains("buffer pool is closed"), closed.getMessage());

            release.countDown();
            Await.until("the flusher to end once its submit returns", () -> !flusher.isAlive());
            Await.until("the write to complete", () -> pool.stateOf(v.name(), 2) == FrameState.CLEAN);
            pool.assertInvariants();
        } finally {
            release.countDown();
        }
    }
}
