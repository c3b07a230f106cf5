package org.hapager.bufferpool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.hapager.bufferpool.DurabilityIo.Call;
import org.hapager.bufferpool.DurabilityIo.Kind;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.hapager.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The two write classes (issue 15): eviction and the flusher write back buffered; {@code sync} writes each
 * run of contiguous dirty pages as one durable write and issues one barrier ({@code PageIo.sync}) when
 * buffered write-backs of the volume completed since the last barrier that covered them. Over
 * {@link DurabilityIo}, which loses what is not durable on a simulated crash: after every sync the test
 * crashes it and reads the pages back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufferPoolWriteClassesTest {

    static final int PAGE = 512;
    static final Duration BOUND = Duration.ofMillis(300);
    final Volume v = Volume.of("bp/classes.dat", PAGE);
    final DurabilityIo io = new DurabilityIo();
    final ExecutorService threads = Executors.newCachedThreadPool();
    /** What the thread of {@link #startSync()} failed with, if it did. */
    final AtomicReference<Throwable> syncFailure = new AtomicReference<>();
    BufferPool pool;

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
        if (pool != null) {
            pool.close();
        }
    }

    private BufferPool pool(int frames) {
        pool = new BufferPool(io, new BufferPoolConfig((long) frames * PAGE, PAGE, Duration.ofSeconds(20),
                new SimpleMeterRegistry()).withReadAheadPages(0).withoutFlusher().withIoTimeout(BOUND));
        return pool;
    }

    // ------------------------------------------------------------------ buffered write-backs

    @Test
    void evictionWritesBackBuffered() throws Exception {
        pool(2);
        dirty(0, 1);
        dirty(1, 1);
        try (PageHandle h = pool.fix(v, 2, Mode.SHARED)) { // no free frame: evicts, writing the dirty ones back
            assertEquals(2, h.page());
        }
        List<Call> writes = writes();
        assertTrue(!writes.isEmpty() && writes.stream().allMatch(c -> c.kind() == Kind.WRITE_BUFFERED), writes.toString());
        assertEquals(List.of(), io.calls(Kind.SYNC));
        pool.assertInvariants();
    }

    @Test
    void theFlusherWritesBackBuffered() throws Exception {
        pool = new BufferPool(io, new BufferPoolConfig(8L * PAGE, PAGE, Duration.ofSeconds(20), new SimpleMeterRegistry())
                .withReadAheadPages(0).withFlusher(0, 0, Duration.ZERO, 1).withSteppedFlusher());
        dirty(3, 1);
        assertEquals(Duration.ZERO, pool.stepFlusher(), "one dirty page is above the high water (0): written back");
        assertEquals(FrameState.CLEAN, pool.stateOf(v.name(), 3));
        assertEquals(List.of(new Call(Kind.WRITE_BUFFERED, v.name(), 3, 1)), writes());
        assertEquals(null, io.durablePage(v.name(), 3), "buffered: not durable before a sync");
        pool.assertInvariants();

        pool.sync(v.name()); // nothing dirty: one barrier for the buffered write-back
        assertEquals(List.of(new Call(Kind.SYNC, v.name(), 0, 0)), io.calls(Kind.SYNC));
        assertDurableAfterCrash(3, 1);
    }

    // ------------------------------------------------------------------ sync: runs

    @Test
    void syncWritesEachRunOfContiguousDirtyPagesAsOneDurableWrite() throws Exception {
        pool(16);
        for (long p : new long[] {7, 0, 2, 5, 1, 8}) {
            dirty(p, 1);
        }
        pool.sync(v.name());
        assertEquals(List.of(new Call(Kind.WRITE, v.name(), 0, 3), new Call(Kind.WRITE, v.name(), 5, 1),
                new Call(Kind.WRITE, v.name(), 7, 2)), writes());
        assertEquals(List.of(), io.calls(Kind.SYNC), "durable writes need no barrier");
        pool.assertInvariants();
        assertDurableAfterCrash(0, 1);
        assertDurableAfterCrash(1, 1);
        assertDurableAfterCrash(2, 1);
        assertDurableAfterCrash(5, 1);
        assertDurableAfterCrash(7, 1);
        assertDurableAfterCrash(8, 1);
    }

    @Test
    void aRunIsCappedAtTheLargestWrite() throws Exception {
        io.maxWriteBytes = 4 * PAGE;
        pool(16);
        for (long p = 0; p < 10; p++) {
            dirty(p, 2);
        }
        pool.sync(v.name());
        assertEquals(List.of(new Call(Kind.WRITE, v.name(), 0, 4), new Call(Kind.WRITE, v.name(), 4, 4),
                new Call(Kind.WRITE, v.name(), 8, 2)), writes());
        for (long p = 0; p < 10; p++) {
            assertDurableAfterCrash(p, 2);
        }
    }

    // ------------------------------------------------------------------ sync: the barrier

    @Test
    void syncIssuesOneBarrierAfterBufferedWriteBacksAndNoneWithout() throws Exception {
        pool(2);
        dirty(0, 1);
        pool.sync(v.name());
        assertEquals(List.of(), io.calls(Kind.SYNC), "no buffered write-back before it: no barrier");

        dirty(0, 2);
        dirty(1, 2);
        try (PageHandle h = pool.fix(v, 2, Mode.SHARED)) { // evicts: pages 0 and 1 written back buffered
            assertEquals(2, h.page());
        }
        assertTrue(io.calls(Kind.WRITE_BUFFERED).size() >= 1, io.calls().toString());
        int writesBefore = writes().size();
        pool.sync(v.name());
        assertEquals(1, io.calls(Kind.SYNC).size(), io.calls().toString());
        pool.sync(v.name());
        assertEquals(1, io.calls(Kind.SYNC).size(), "the barrier covered them: none again " + io.calls());
        assertEquals(writesBefore, writes().size(), "nothing was dirty: the syncs wrote nothing " + io.calls());
        pool.assertInvariants();
        assertDurableAfterCrash(0, 2);
        assertDurableAfterCrash(1, 2);
    }

    @Test
    void aBarrierCoversOnlyItsVolume() throws Exception {
        pool(2);
        Volume other = Volume.of("bp/other.dat", PAGE);
        dirty(0, 1);
        dirty(1, 1);
        try (PageHandle h = pool.fix(other, 0, Mode.SHARED)) { // evicts this volume's pages, buffered
            assertEquals(0, h.page());
        }
        pool.sync(other.name());
        assertEquals(List.of(), io.calls(Kind.SYNC), "nothing of the other volume was buffered");
        pool.sync(v.name());
        assertEquals(List.of(new Call(Kind.SYNC, v.name(), 0, 0)), io.calls(Kind.SYNC));
    }

    @Test
    void aSyncWaitingForABufferedWriteBackInFlightIssuesTheBarrierAfterIt() throws Exception {
        pool(2);
        io.hold = c -> c.kind() == Kind.WRITE_BUFFERED;
        dirty(0, 3);
        dirty(1, 3);
        Future<?> fix = threads.submit(() -> { // needs a frame: starts buffered write-backs of 0 and 1, held
            try (PageHandle h = pool.fix(v, 2, Mode.SHARED)) {
                return h.page();
            }
        });
        DurabilityIo.Held w0 = io.awaitHeld(Kind.WRITE_BUFFERED, 0);
        DurabilityIo.Held w1 = io.awaitHeld(Kind.WRITE_BUFFERED, 1);
        Thread syncer = startSync();
        Await.until("the sync to wait for the write-backs", () -> syncer.getState() == Thread.State.TIMED_WAITING);
        w0.run(); // the buffered write-backs complete while the sync waits for them
        w1.run();
        assertEnds(syncer);
        assertNull(syncFailure.get());
        fix.get(20, TimeUnit.SECONDS);
        List<Call> calls = io.calls();
        assertEquals(1, io.calls(Kind.SYNC).size(), calls.toString());
        assertTrue(calls.indexOf(new Call(Kind.SYNC, v.name(), 0, 0)) > calls.indexOf(new Call(Kind.WRITE_BUFFERED, v.name(), 1, 1)),
                "the barrier follows the write-backs: " + calls);
        pool.assertInvariants();
        assertDurableAfterCrash(0, 3);
        assertDurableAfterCrash(1, 3);
    }

    @Test
    void aSyncsDurableWriteCoversTheBufferedWriteBacksBeforeIt() throws Exception {
        pool(2);
        dirty(0, 4);
        dirty(1, 4);
        try (PageHandle h = pool.fix(v, 2, Mode.EXCLUSIVE)) { // evicts: buffered write-backs of 0 and 1
            h.buffer().put(0, content(2, 4));
            h.markDirty();
        }
        pool.sync(v.name()); // page 2 goes durable, after the buffered ones completed: it covers them
        assertEquals(List.of(new Call(Kind.WRITE, v.name(), 2, 1)), io.calls(Kind.WRITE));
        assertEquals(List.of(), io.calls(Kind.SYNC), "the durable write covered the buffered write-backs");
        pool.assertInvariants();
        assertDurableAfterCrash(0, 4);
        assertDurableAfterCrash(1, 4);
        assertDurableAfterCrash(2, 4);
    }

    @Test
    void aDurableWriteDoesNotCoverABufferedWriteBackThatCompletedAfterItWasIssued() throws Exception {
        pool(3);
        dirty(0, 5);
        dirty(1, 5);
        PageHandle pinned1 = pool.fix(v, 1, Mode.SHARED); // dirty, pinned: eviction leaves it, sync writes it
        PageHandle pinned2 = pool.fix(v, 2, Mode.SHARED); // clean, pinned: not a victim
        io.hold = c -> c.kind() == Kind.WRITE_BUFFERED || c.kind() == Kind.WRITE;
        Future<?> fix = threads.submit(() -> { // the one victim is page 0: its buffered write-back is held
            try (PageHandle h = pool.fix(v, 3, Mode.SHARED)) {
                return h.page();
            }
        });
        DurabilityIo.Held buffered0 = io.awaitHeld(Kind.WRITE_BUFFERED, 0);
        Thread syncer = startSync();
        DurabilityIo.Held durable1 = io.awaitHeld(Kind.WRITE, 1);
        // The durable write reaches the disk first; then the buffered one lands; then the durable one answers.
        durable1.apply();
        buffered0.run();
        durable1.complete();
        assertEnds(syncer);
        assertNull(syncFailure.get());
        assertEquals(1, io.calls(Kind.SYNC).size(), "page 0's write-back completed after page 1's durable write was "
                + "issued: only a barrier covers it " + io.calls());
        pinned1.close();
        pinned2.close();
        fix.get(20, TimeUnit.SECONDS);
        pool.assertInvariants();
        assertDurableAfterCrash(0, 5);
        assertDurableAfterCrash(1, 5);
    }

    @Test
    void aFailedBarrierFailsTheSyncAndTheNextSyncIssuesItAgain() throws Exception {
        pool(2);
        bufferedWriteBacksOf0And1(6);
        io.failSyncs = true;
        PageIoException e = assertThrows(PageIoException.class, () -> pool.sync(v.name()));
        assertEquals(PageIoException.Kind.STORAGE, e.kind(), e.toString());
        assertTrue(e.getMessage().startsWith("sync of " + v.name()), e.getMessage());
        pool.assertInvariants();

        io.failSyncs = false;
        pool.sync(v.name());
        assertEquals(2, io.calls(Kind.SYNC).size(), io.calls().toString());
        pool.sync(v.name());
        assertEquals(2, io.calls(Kind.SYNC).size(), io.calls().toString());
        assertDurableAfterCrash(0, 6);
        assertDurableAfterCrash(1, 6);
    }

    @Test
    void aBarrierWithoutAnAnswerFailsTheSyncAfterIoTimeoutAndCoversWhenItCompletesLate() throws Exception {
        pool(2);
        bufferedWriteBacksOf0And1(7);
        io.hold = c -> c.kind() == Kind.SYNC;
        PoolTimeoutException e = assertThrows(PoolTimeoutException.class, () -> pool.sync(v.name()));
        assertEquals(PoolTimeoutException.WaitedFor.PAGER_REQUEST, e.waitedFor());
        assertEquals(PageIoException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("sync of " + v.name() + " timed out after 300 ms"), e.getMessage());
        pool.assertInvariants();

        io.hold = c -> false;
        io.awaitHeld(Kind.SYNC, 0).run(); // it completes late (its completion runs here): it still covers them
        pool.sync(v.name());
        assertEquals(1, io.calls(Kind.SYNC).size(), "the late barrier covered the write-backs " + io.calls());
        assertDurableAfterCrash(0, 7);
        assertDurableAfterCrash(1, 7);
    }

    @Test
    void anInterruptedSyncWaitingForItsBarrierFailsRejected() throws Exception {
        pool(2);
        bufferedWriteBacksOf0And1(8);
        io.hold = c -> c.kind() == Kind.SYNC;
        Thread syncer = startSync();
        DurabilityIo.Held barrier = io.awaitHeld(Kind.SYNC, 0);
        Await.until("the sync to wait for its barrier", () -> syncer.getState() == Thread.State.TIMED_WAITING);
        syncer.interrupt();
        assertEnds(syncer);
        PageIoException e = (PageIoException) syncFailure.get();
        assertEquals(PageIoException.Kind.REJECTED, e.kind(), e.toString());
        assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
        io.hold = c -> false;
        barrier.run();
        pool.assertInvariants();
        pool.sync(v.name());
        assertEquals(1, io.calls(Kind.SYNC).size(), "the barrier completed after the sync gave up: it still covers");
    }

    @Test
    void aDiscardFromPageZeroForgetsTheBarrierOwed() throws Exception {
        pool(2);
        bufferedWriteBacksOf0And1(9);
        pool.discard(v.name(), 1); // part of the volume stays: its buffered pages still need the barrier
        pool.assertInvariants();
        pool.sync(v.name());
        assertEquals(1, io.calls(Kind.SYNC).size(), io.calls().toString());

        bufferedWriteBacksOf0And1(10);
        pool.discard(v.name(), 0); // the volume goes away (deleted, emptied, renamed away after a sync)
        pool.assertInvariants();
        pool.sync(v.name());
        assertEquals(1, io.calls(Kind.SYNC).size(), "nothing owed for a discarded volume " + io.calls());
    }

    // ------------------------------------------------------------------ helpers

    /** Dirties pages 0 and 1 with {@code version}, then fixes pages 2 and 3: eviction writes both back buffered. */
    private void bufferedWriteBacksOf0And1(int version) throws PageIoException {
        int before = io.calls(Kind.WRITE_BUFFERED).size();
        dirty(0, version);
        dirty(1, version);
        try (PageHandle h = pool.fix(v, 2, Mode.SHARED)) {
            assertEquals(2, h.page());
        }
        try (PageHandle h = pool.fix(v, 3, Mode.SHARED)) {
            assertEquals(3, h.page());
        }
        assertEquals(before + 2, io.calls(Kind.WRITE_BUFFERED).size(), io.calls().toString());
    }

    /** Starts a thread that syncs the volume; its failure goes to {@link #syncFailure}. */
    private Thread startSync() {
        Thread t = new Thread(() -> {
            try {
                pool.sync(v.name());
            } catch (Throwable e) {
                syncFailure.set(e);
            }
        }, "syncer");
        t.start();
        return t;
    }

    private static void assertEnds(Thread t) throws InterruptedException {
        t.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(t.isAlive(), t + " still running");
    }

    private List<Call> writes() {
        return io.calls().stream().filter(c -> c.kind() == Kind.WRITE || c.kind() == Kind.WRITE_BUFFERED).toList();
    }

    private void dirty(long page, int version) throws PageIoException {
        try (PageHandle h = pool.fix(v, page, Mode.EXCLUSIVE)) {
            h.buffer().put(0, content(page, version));
            h.markDirty();
        }
    }

    static byte[] content(long page, int version) {
        byte[] b = new byte[PAGE];
        Arrays.fill(b, (byte) (page * 31 + version));
        return b;
    }

    /** Crashes the I/O (everything not durable is lost) and checks the page survived with {@code version}. */
    private void assertDurableAfterCrash(long page, int version) {
        io.crash();
        assertArrayEquals(content(page, version), io.durablePage(v.name(), page), "page " + page + " after a crash");
    }
}
