package org.hapager.bufferpool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hapager.pager.PageIoException;
import org.hapager.pager.PagerClient;
import org.hapager.pager.PagerConfig;
import org.hapager.pager.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fixed budget of off-heap page frames over a {@link PagerClient}. {@link #fix} returns a pinned
 * {@link PageHandle}; while it is open the frame holds that page and is neither evicted nor reused.
 * Concurrent fixers of a page that is not resident share one read; if it fails, all of them fail with its
 * cause and no half-filled frame stays behind. {@link #prefetch} and automatic read-ahead of sequential fixes
 * read pages before they are fixed, never waiting. Dirty pages are written back when evicted, by
 * {@link #sync}, and in the background by the flusher thread ({@code hapager-bufferpool-flusher}) when too
 * many are dirty or one has been dirty too long (configured without that thread, in each round the caller runs
 * with {@link #stepFlusher()}); eviction and the flusher write buffered (no flush of their own on the page
 * server), a sync durable, in runs of contiguous pages, plus one barrier of the volume when
 * buffered write-backs of it are not yet durable (see {@code WriteBack}). {@link #discard} drops the pages
 * of a truncated or deleted volume unwritten. When every frame is pinned or in I/O, {@code fix} waits up to
 * {@link BufferPoolConfig#fixTimeout()} and then throws {@link FixTimeoutException}; no wait of the pool is
 * unbounded (see "Bounded waits" below).
 *
 * <h2>Frame states (SQLite pager style)</h2>
 * <pre>
 *            fix miss, prefetch                  read ok (readDone)
 *      FREE ─────────────────────────▶ READING ─────────────────────▶ CLEAN ◀──┐
 *      ▲ ▲ ▲                              │                              │   │   │
 *      │ │ │          read failed         │                   markDirty  │   │   │ write ok
 *      │ │ └──────────────────────────────┘                              ▼   │   │ (writeDone)
 *      │ │                                                            DIRTY  │   │
 *      │ │ evict (CLEAN, unpinned, chosen by Victims)               start │ ▲ │   │
 *      │ └──────────────────────── CLEAN                                 ▼ │ │   │
 *      │                                                           WRITING ─┘ └───┘
 *      │ discard (CLEAN or DIRTY, unpinned,                  (write failed: back to DIRTY)
 *      └──────── no I/O in flight; dirty bytes dropped)
 * </pre>
 * Transitions, and the only code that performs each:
 * <ul>
 *   <li>FREE → READING: {@code fix} maps a frame from {@code Victims.takeForFix} to the page and issues the
 *       read ({@code Loads.startRead}); or a prefetch ({@link #prefetch}, or read-ahead: {@code fix}
 *       prefetching the window {@code ReadAhead} names) maps frames from {@code Victims.forPrefetch}
 *       ({@code Loads.prefetch}), marked prefetched: pinned by nobody, cold for the policy, until their first
 *       fix.</li>
 *   <li>READING → CLEAN: {@code Loads.readDone} on success. READING → FREE: {@code Loads.readDone} on
 *       failure; the page is unmapped and every fixer waiting on that read fails with its cause (a
 *       prefetch's future fails too).</li>
 *   <li>CLEAN → DIRTY: {@link PageHandle#markDirty()} ({@code WriteBack.dirtied}; an exclusive pin is
 *       held).</li>
 *   <li>DIRTY → WRITING: {@code WriteBack.start}, by {@code Victims.takeForFix} (eviction) or the
 *       {@code Flusher}, both only when unpinned, one buffered write per page; or {@code WriteBack.startRun},
 *       by {@link #sync} (when no exclusive pin is held: shared holders only read), one durable write per run
 *       of contiguous pages.</li>
 *   <li>WRITING → CLEAN: {@code WriteBack.writeDone} on success, for every frame of the write at once (after a
 *       buffered write the page is in the volume but durable only after the volume's next barrier).
 *       WRITING → DIRTY: on failure, every frame of the write (the pages stay dirty and are written again
 *       later; a sync waiting for one fails with the cause).</li>
 *   <li>CLEAN → FREE: {@code Victims.evict}, inside {@code takeForFix} or {@code forPrefetch}; the frame is
 *       remapped at once.</li>
 *   <li>CLEAN or DIRTY → FREE: {@link #discard}, only when unpinned with no fixer waiting for it, after the
 *       I/O in flight on the volume's pages from the given one on has completed; a DIRTY page's bytes are
 *       dropped unwritten ({@code WriteBack.dropped}); the frame goes to the free list.</li>
 * </ul>
 * Who touches what: fixers' threads (fix, unfix, markDirty, prefetch, sync, discard) and the flusher thread
 * (or the caller of {@link #stepFlusher()}) make the decisions above under the lock; the pager's I/O thread
 * only completes reads and writes ({@code readDone}, {@code writeDone}) under the lock. A frame's bytes belong to its I/O while READING or
 * WRITING, then to the holders of its pins; nothing else reads or writes them.
 *
 * <h2>Invariants</h2> (checked by {@link #assertInvariants()})
 * <ol>
 *   <li>A frame is in the page table under key K if and only if its {@code pageId} is K and it is not FREE;
 *       FREE frames are exactly the free list, with no page and no pins.</li>
 *   <li>A READING frame has no pins; a WRITING frame has no exclusive pin (shared pins taken before a
 *       sync's write-back may remain: they only read). A frame in I/O is pinned by that I/O: its bytes belong
 *       to the read or write in flight, so nobody fixes it anew, changes, evicts, discards or reuses it until
 *       the I/O's future completes (claim 8; the pager's reissue after a failover happens inside that future,
 *       so it is covered too).</li>
 *   <li>An exclusive pin excludes every other pin of the frame.</li>
 *   <li>Only an unpinned CLEAN frame that no fixer waits to pin after its read is evicted ({@code Victims.evict}
 *       throws {@link AssertionError} otherwise): a page just read is not taken from the fixers that asked
 *       for it, however cold the policy thinks it is. A prefetch never evicts a frame that a prefetch brought
 *       in and nobody fixed yet.</li>
 *   <li>CLEAN ⇔ {@code durableEpoch == dirtyEpoch} for a mapped frame not in I/O; DIRTY ⇒ {@code durableEpoch <
 *       dirtyEpoch}.</li>
 *   <li>The eviction policy's keys are exactly the mapped pages; the count of pinned frames matches the
 *       frames.</li>
 *   <li>The frames are fixed at construction: the budget holds whatever the policy does.</li>
 *   <li>Write-back bookkeeping: the dirty list holds exactly the DIRTY frames, oldest first; a frame has a
 *       write-back cause (eviction, flusher, sync) exactly while WRITING; the counts of dirty frames,
 *       write-backs in flight and the flusher's write-backs in flight match the frames, and the flusher's
 *       are at most {@link BufferPoolConfig#flushMaxInFlight()}.</li>
 *   <li>A frame marked prefetched is READING or CLEAN and unpinned (the first pin clears the mark; so does
 *       unmapping); their count matches the frames.</li>
 *   <li>A mapped frame is in its volume's index of frames not yet durable ({@code FrameTable.notDurable},
 *       what {@code sync} waits for) exactly when {@code dirtyEpoch > durableEpoch}.</li>
 *   <li>Barrier bookkeeping ({@code WriteBack}): a volume is a key of {@code WriteBack.uncovered} exactly when
 *       a buffered write-back of it completed that no successful barrier is known to cover (a
 *       {@code PageIo.sync}, or a sync's durable write started after that completion), with the sequence
 *       number of its latest such completion, between 1 and the count of buffered completions; a sync of the
 *       volume that finds it a key once its pages are written issues a barrier. A discard from page 0
 *       forgets the volume.</li>
 * </ol>
 *
 * <h2>Parts</h2>
 * This class is the API; package-private parts do the work, all under one lock ({@code FrameTable.lock}):
 * {@code FrameTable} (frames, page table, free list, the policy's index, pins: map, unmap, pin, unpin),
 * {@code Victims} (which frame a miss or a prefetch takes: eviction, by Caffeine's ranking),
 * {@code Loads} (reads for fixes and prefetches), {@code WriteBack} (dirtying, write-back, the dirty list,
 * {@link #sync}), {@code Flusher} (the background thread, or the caller's steps, that start write-backs),
 * {@code ReadAhead} (sequential-access detection per volume: which window {@code fix} prefetches; it touches
 * no frame), {@code DeferredIo} (the I/O an operation decided on under the lock, issued after it) and
 * {@code PoolMeters}.
 *
 * <h2>Concurrency</h2>
 * The one lock guards the page table, the free list, every frame's bookkeeping, the policy, the dirty list
 * and the read-ahead state. It is never held while I/O is submitted (a submit may block for room in the
 * pager): each operation collects the I/O it decided on in a {@code DeferredIo}, filled only under the lock,
 * and issues it after unlocking, each entry exactly once (a fix or a sync that would wait, and each flusher
 * round, first issues what it has so far, the lock released meanwhile: {@code FrameTable.runUnlocked}).
 * Completions arrive on the pager's I/O thread and take the lock briefly; a prefetch's future is completed
 * after unlocking. Waiters (fixers, sync, discard) wait on one condition, signalled at every change that could
 * unblock them; the flusher waits on a second condition of the same lock, with a timeout, signalled when it
 * has work. A page's bytes are guarded by its pins, not by the lock: exclusive for writing, shared for reading.
 *
 * <h2>Bounded waits</h2>
 * Nothing in the pool waits without a bound; each bound is a config option and each expiry a named
 * {@link PoolTimeoutException} saying which operation waited, on which volume and page, for what
 * ({@link PoolTimeoutException.WaitedFor}) and how long:
 * <table>
 *   <caption>Every blocking wait of the pool</caption>
 *   <tr><th>wait</th><th>bound</th><th>on expiry</th><th>on interrupt</th></tr>
 *   <tr><td>{@link #fix}: for a frame (eviction's write-backs included), a conflicting pin, the page's read or
 *       write-back</td><td>{@link BufferPoolConfig#fixTimeout()} from the call</td>
 *       <td>{@link FixTimeoutException} (REJECTED)</td><td>REJECTED, flag set again</td></tr>
 *   <tr><td>{@link #discard}: for reads and write-backs in flight on the pages</td>
 *       <td>{@code fixTimeout} from the call</td><td>{@link FixTimeoutException}</td><td>same</td></tr>
 *   <tr><td>{@link #sync}: for write-backs and for exclusive pins to end</td>
 *       <td>{@link BufferPoolConfig#ioTimeout()} without progress (a page durable or gone, or a write-back
 *       started)</td><td>{@link PoolTimeoutException} (UNAVAILABLE for a write-back, REJECTED for a pin)</td>
 *       <td>same</td></tr>
 *   <tr><td>{@link #sync}: then for the volume's barrier ({@code PageIo.sync}), if it issues one</td>
 *       <td>{@code ioTimeout} from its submission</td><td>{@link PoolTimeoutException} (UNAVAILABLE,
 *       {@code PAGER_REQUEST})</td><td>same</td></tr>
 *   <tr><td>{@link #prefetch}</td><td>never waits for a frame or a read</td><td>-</td><td>-</td></tr>
 *   <tr><td>{@link #close}: for the flusher thread to end</td><td>{@code fixTimeout}, at least 1 s</td>
 *       <td>a warning is logged; close returns</td><td>close returns, flag set again</td></tr>
 *   <tr><td>the flusher's idle wait</td><td>1 s or the next page's age</td><td>looks again</td>
 *       <td>ignored: only close stops it</td></tr>
 *   <tr><td>a submit of I/O (any of the above, unlocked)</td><td>the pager's {@code submitTimeout}</td>
 *       <td>the I/O fails REJECTED (a read: its fixers fail; a write-back: the page stays DIRTY)</td>
 *       <td>the same, from the pager</td></tr>
 * </table>
 * A waiter that gives up only stops waiting: the I/O it waited for stays in flight, its frame stays READING or
 * WRITING (pinned by the I/O, invariant 2) until the page I/O's future really completes, and the completion
 * then makes the usual transition. The pager fails a request that no server serves after its
 * {@code submitTimeout + failoverDeadline}, but a request on a server that stays connected and never answers
 * (a stuck disk under a live process) has no deadline there: the pool's bounds are what end such waits. Set
 * them longer than a failover (the {@link #BufferPool(PagerClient, BufferPoolConfig) constructor} warns when
 * {@code ioTimeout} is not), or a failover the pager rides out shows up as a timeout. The pool's one {@code join} ({@code Loads.readFailed}) reads a future
 * already completed and never blocks.
 */
public final class BufferPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BufferPool.class);

    private final BufferPoolConfig config;
    private final long fixTimeoutNanos;
    private final FrameTable table;
    private final PoolMeters meters;
    private final WriteBack writeBack;
    private final Victims victims;
    private final Loads loads;
    private final ReadAhead readAhead;

    /**
     * A pool over {@code pager}; the pool does not close the pager. Logs a warning when the config's
     * {@link BufferPoolConfig#ioTimeout()} is shorter than the pager's {@code submitTimeout + failoverDeadline}:
     * a sync could then fail during a failover that the pager would ride out.
     */
    public BufferPool(PagerClient pager, BufferPoolConfig config) {
        this(PageIo.of(pager), config);
        PagerConfig p = pager.config();
        Duration pagerBound = p.submitTimeout().plus(p.failoverDeadline());
        if (config.ioTimeout().compareTo(pagerBound) < 0) {
            log.warn("buffer pool ioTimeout {} ms is shorter than the pager's submitTimeout + failoverDeadline {} ms: "
                    + "a sync during a failover may fail although the pager would complete its writes",
                    config.ioTimeout().toMillis(), pagerBound.toMillis());
        }
    }

    /** A pool over any page I/O (benchmarks run it over memory). */
    public BufferPool(PageIo io, BufferPoolConfig config) {
        this.config = config;
        this.fixTimeoutNanos = config.fixTimeout().toNanos();
        this.table = new FrameTable(config.frameCount(), config.pageSize());
        this.meters = new PoolMeters(config.meterRegistry());
        this.writeBack = new WriteBack(table, io, meters, config);
        this.victims = new Victims(table, writeBack, meters);
        this.loads = new Loads(table, victims, io, meters);
        this.readAhead = new ReadAhead(config);
        meters.registerGauges(table, writeBack);
        if (writeBack.flusher != null) {
            writeBack.flusher.start();
        }
    }

    public BufferPoolConfig config() {
        return config;
    }

    public int frameCount() {
        return table.frames.length;
    }

    /** Threads blocked in {@link #fix} or {@link #discard} right now (a sync waiting is not counted). */
    int waitingFixers() {
        return table.waiters();
    }

    /** The state of the frame holding page {@code page} of {@code volume}, or null if it is not mapped (tests). */
    FrameState stateOf(String volume, long page) {
        return table.stateOf(new PageId(volume, page));
    }

    /** Frames on the free list (tests). */
    int freeFrames() {
        return table.freeFrames();
    }

    /** The background flusher's thread, or null when the config has no flusher or a stepped one. */
    Thread flusherThread() {
        return writeBack.flusher == null ? null : writeBack.flusher.thread();
    }

    /**
     * Runs one round of a flusher that has no thread ({@link BufferPoolConfig#withSteppedFlusher()}) on the
     * caller's thread: starts the write-backs due at the {@link BufferPoolConfig#flushTicker() flush ticker}'s now,
     * exactly as the flusher thread's round would, and submits them. For tests and simulations that drive the
     * flusher with a fake ticker.
     *
     * @return how long the flusher thread would wait before its next round unless woken, by the ticker: zero
     *         when this round started write-backs (the thread looks again at once), else until the oldest dirty
     *         page it could write reaches {@code flushMaxAge}, at most a second
     * @throws IllegalStateException if the config has no flusher or one with a thread, or the pool is closed
     */
    public Duration stepFlusher() {
        Flusher flusher = writeBack.flusher;
        if (flusher == null || flusher.thread() != null) {
            throw new IllegalStateException("no stepped flusher: the config has " + (flusher == null ? "no flusher"
                    : "a flusher thread") + " (expected: BufferPoolConfig.withSteppedFlusher())");
        }
        return Duration.ofNanos(flusher.step());
    }

    // ------------------------------------------------------------------ fix

    /**
     * Fixes page {@code page} of {@code volume}: reads it if it is not resident (sharing a read already in
     * flight), waits for conflicting fixes and I/O on it, and returns it pinned. Fixes feed read-ahead: when
     * they walk a volume sequentially, the pages ahead are prefetched (see {@code ReadAhead};
     * {@link BufferPoolConfig#readAheadPages()}), the reads submitted by this call before it returns.
     *
     * @throws FixTimeoutException if no frame or no compatible pin came within the fix timeout
     * @throws PageIoException     if the page's read failed (the cause is the pager's failure)
     */
    public PageHandle fix(Volume volume, long page, Mode mode) throws PageIoException {
        return fix(volume, page, mode, false);
    }

    /**
     * Fixes page {@code page} of {@code volume} {@link Mode#EXCLUSIVE} like {@link #fix}, but if it is neither
     * resident nor being read, maps it zero-filled (CLEAN) instead of reading it. For a writer that knows the
     * page's bytes on the servers are all zeros (past the end of the file it writes), or that overwrites the
     * whole page and marks it dirty before it unfixes: anything else would leave zeros where the servers hold
     * data. Such a fix does not feed read-ahead (a file being extended has nothing ahead to read) and counts
     * in {@code hapager.bufferpool.blank.fixes}, not as a hit or a miss.
     */
    public PageHandle fixBlank(Volume volume, long page) throws PageIoException {
        return fix(volume, page, Mode.EXCLUSIVE, true);
    }

    private PageHandle fix(Volume volume, long page, Mode mode, boolean blank) throws PageIoException {
        checkPageSize(volume);
        if (page < 0) {
            throw new IllegalArgumentException("page : " + page + " (expected: >= 0)");
        }
        PageId id = new PageId(volume.name(), page);
        long start = System.nanoTime();
        DeferredIo deferred = new DeferredIo(table.lock);
        boolean missed = false;
        boolean waited = false;
        Frame awaitedLoad = null; // the frame whose read this fixer waits for; reserved against eviction
        table.lock.lock();
        try {
            while (true) {
                if (table.closed) {
                    throw new PageIoException(PageIoException.Kind.REJECTED, "fix of " + id + ": buffer pool is closed");
                }
                Frame f = table.get(id);
                if (f == null) {
                    Frame taken = victims.takeForFix(deferred);
                    if (taken == null) {
                        waited = true;
                        await(start, deferred, "fix", id, null);
                        continue;
                    }
                    if (blank) {
                        loads.mapBlank(taken, volume, id);
                        meters.blankFixes.increment();
                    } else {
                        missed = true;
                        loads.startRead(taken, volume, id, deferred);
                    }
                    continue;
                }
                switch (f.state) {
                    case READING -> {
                        missed = true; // a fixer sharing another's read missed too
                        if (awaitedLoad != f) {
                            if (awaitedLoad != null) {
                                awaitedLoad.loadWaiters--;
                            }
                            awaitedLoad = f;
                            f.loadWaiters++;
                        }
                        CompletableFuture<Void> load = f.load;
                        if (load.isDone()) {
                            throw Loads.readFailed(id, load);
                        }
                        waited = true;
                        await(start, deferred, "fix", id, f);
                        if (load.isCompletedExceptionally()) {
                            throw Loads.readFailed(id, load);
                        }
                    }
                    case WRITING -> {
                        waited = true;
                        await(start, deferred, "fix", id, f);
                    }
                    case CLEAN, DIRTY -> {
                        if (mode == Mode.EXCLUSIVE ? f.pinned() || f.flushRequested : f.exclusivePin) {
                            waited = true;
                            await(start, deferred, "fix", id, f);
                            continue;
                        }
                        if (table.pin(f, mode)) {
                            meters.prefetchHits.increment();
                        }
                        table.touch(id);
                        if (missed || waited) {
                            meters.fixWait.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                        }
                        if (blank) {
                            return new PageHandle(this, f, mode);
                        }
                        (missed ? meters.misses : meters.hits).increment();
                        ReadAhead.Window ahead = readAhead.onFix(id.volume(), page, missed);
                        if (ahead != null) { // issued with this fix's other I/O, after unlocking
                            loads.prefetch(volume, ahead.first(), ahead.pages(), deferred);
                        }
                        return new PageHandle(this, f, mode);
                    }
                    default -> throw new AssertionError("mapped " + f);
                }
            }
        } finally {
            if (awaitedLoad != null) {
                awaitedLoad.loadWaiters--;
            }
            table.lock.unlock();
            deferred.issue();
        }
    }

    private void checkPageSize(Volume volume) {
        if (volume.pageSize() != config.pageSize()) {
            throw new IllegalArgumentException("volume " + volume + " has page size " + volume.pageSize()
                    + " (expected: the pool's " + config.pageSize() + ")");
        }
    }

    // ------------------------------------------------------------------ prefetch

    /**
     * Starts reading the pages {@code [firstPage, firstPage + pageCount)} of {@code volume} that are not
     * resident or being read, and returns at once: the caller never waits for a read or for a frame (the
     * reads are submitted on its thread after the pool's lock is released, so only the pager's own
     * backpressure can hold it). Each page goes into a free frame or an evictable CLEAN one (never one an
     * earlier prefetch brought in that nobody fixed yet, never by writing a dirty page back); the prefetch
     * stops early, without error, at the first page no frame can be taken for without waiting. At most
     * {@link #frameCount()} pages of the range are looked at.
     *
     * <p>The pages are pinned by nobody and enter the eviction policy as cold: no access is recorded until a
     * real fix, so unused prefetched pages rank with the coldest and do not push out pages in use. A fix of a
     * page being prefetched shares
     * its read; the first fix of a prefetched page counts in {@code hapager.bufferpool.prefetch.hits}.
     *
     * @return completes when the reads this call started are done; exceptionally (a {@link PageIoException}
     *         naming a page) if one failed, which leaves no half-filled frame, like a failed fix read
     */
    public CompletableFuture<Void> prefetch(Volume volume, long firstPage, int pageCount) {
        checkPageSize(volume);
        if (firstPage < 0 || pageCount < 0 || firstPage > Long.MAX_VALUE - pageCount) {
            throw new IllegalArgumentException("pages : " + firstPage + " + " + pageCount + " (expected: firstPage >= 0,"
                    + " pageCount >= 0, no overflow)");
        }
        DeferredIo deferred = new DeferredIo(table.lock);
        CompletableFuture<Void> done;
        table.lock.lock();
        try {
            if (table.closed) {
                return CompletableFuture.failedFuture(new PageIoException(PageIoException.Kind.REJECTED, "prefetch of "
                        + volume.name() + " pages " + firstPage + " + " + pageCount + ": buffer pool is closed"));
            }
            done = loads.prefetch(volume, firstPage, Math.min(pageCount, table.frames.length), deferred);
        } finally {
            table.lock.unlock();
        }
        deferred.issue();
        return done;
    }

    // ------------------------------------------------------------------ unfix, markDirty

    /** Called by {@link PageHandle#close()}. */
    void unfix(Frame f, Mode mode) {
        table.lock.lock();
        try {
            table.unpin(f, mode);
            writeBack.unpinned(f);
            table.changed.signalAll();
        } finally {
            table.lock.unlock();
        }
    }

    /** Called by {@link PageHandle#markDirty()}; the caller holds the exclusive pin. */
    void markDirty(Frame f) {
        table.lock.lock();
        try {
            if (!f.exclusivePin || (f.state != FrameState.CLEAN && f.state != FrameState.DIRTY)) {
                throw new AssertionError("markDirty of " + f);
            }
            if (f.state == FrameState.CLEAN) {
                writeBack.dirtied(f);
            }
            f.dirtyEpoch++;
            table.changed(f);
        } finally {
            table.lock.unlock();
        }
    }

    // ------------------------------------------------------------------ sync

    /**
     * Returns when every page of {@code volume} dirtied (by {@link PageHandle#markDirty()}) before the call
     * is durable on the page servers: writes back each such page durable, each run of contiguous dirty pages
     * (up to 64, fewer if the page I/O's largest write is smaller) in one write, waiting for its exclusive pin
     * to end (new exclusive fixes of those pages wait meanwhile), and waits for the write-backs already in
     * flight. Then, if a buffered write-back of the volume (by eviction or the flusher) completed that no
     * barrier is known to have made durable, issues one {@link PageIo#sync} of the volume and waits for it; a
     * durable write that this or an earlier sync issued after such a completion covers it, so most syncs need
     * none. A caller must not hold an exclusive fix of a dirty page of the volume while calling, or it waits
     * for itself (until the bound below).
     *
     * <p>The wait is bounded: when none of the pages it waits for became durable, and it could start no
     * write-back of one, for {@link BufferPoolConfig#ioTimeout()}, the sync fails with a
     * {@link PoolTimeoutException} naming the page it waited for and why (a write-back in flight that did not
     * complete, kind UNAVAILABLE; an exclusive fix that did not end, kind REJECTED). An interrupt ends the wait
     * at once with a REJECTED {@link PageIoException}, the thread's interrupt flag set again. Either way the
     * write-backs already started go on: their frames stay WRITING until the I/O completes, and a later sync
     * waits for them again. The same holds for the volume's barrier (bounded by {@code ioTimeout} from its
     * submission; a failed one fails the sync with its kind and cause, and the next sync issues it again).
     * Repeating a sync is always safe.
     *
     * @throws PoolTimeoutException if it made no progress for {@code ioTimeout}
     * @throws PageIoException      if a write-back or the barrier failed (the cause says why), or the caller was
     *                              interrupted
     */
    public void sync(String volume) throws PageIoException {
        writeBack.sync(volume);
    }

    // ------------------------------------------------------------------ discard

    /**
     * Removes from the pool every page of {@code volume} numbered {@code fromPage} or higher, for a caller
     * that truncates or deletes the volume (or renames it away): their contents are dropped, dirty or not,
     * and never written. First waits, up to {@link BufferPoolConfig#fixTimeout()}, for the reads and
     * write-backs in flight on those pages to finish, so that none lands after this returns; then the frames
     * go back to the free list (CLEAN or DIRTY → FREE). A {@link #sync} waiting for a discarded page stops
     * waiting for it. Forgets the volume's read-ahead stream and, from page 0, that its buffered write-backs
     * need a barrier (the volume is going away or becoming empty).
     *
     * <p>The caller must not fix those pages meanwhile; a page being fixed (or a fixer waiting for its read)
     * is a bug in the caller and nothing is discarded. Truncate or delete on the servers right after: a page
     * read again before that (a fix, a prefetch, or read-ahead started by another thread's sequential fixes of
     * lower pages; discard resets the volume's read-ahead, so that takes three more sequential fixes) comes
     * back with its old contents.
     *
     * @throws IllegalStateException if one of the pages is pinned by a fixer (the message names it)
     * @throws FixTimeoutException   if I/O on one of the pages did not finish within the fix timeout
     * @throws PageIoException       (REJECTED) if the pool is closed or the caller was interrupted
     */
    public void discard(String volume, long fromPage) throws PageIoException {
        Objects.requireNonNull(volume, "volume");
        if (fromPage < 0) {
            throw new IllegalArgumentException("fromPage : " + fromPage + " (expected: >= 0)");
        }
        String what = "discard of " + volume + " from page " + fromPage;
        long start = System.nanoTime();
        DeferredIo noIo = new DeferredIo(table.lock); // a discard starts no I/O: stays empty
        table.lock.lock();
        try {
            while (true) {
                if (table.closed) {
                    throw new PageIoException(PageIoException.Kind.REJECTED, what + ": buffer pool is closed");
                }
                List<Frame> doomed = new ArrayList<>();
                Frame busy = null;
                for (Frame f : table.mapped()) {
                    if (!f.pageId.volume().equals(volume) || f.page() < fromPage) {
                        continue;
                    }
                    if (f.pinned() || f.loadWaiters > 0) {
                        throw new IllegalStateException(what + ": page " + f.pageId + " is fixed (" + f
                                + (f.loadWaiters > 0 ? ", fixers waiting for its read " + f.loadWaiters : "")
                                + "); unfix it before truncating or deleting the volume");
                    }
                    if (f.state == FrameState.READING || f.state == FrameState.WRITING) {
                        busy = f;
                    }
                    doomed.add(f);
                }
                if (busy == null) {
                    for (Frame f : doomed) {
                        if (f.state == FrameState.DIRTY) {
                            writeBack.dropped(f);
                        }
                        table.release(f);
                    }
                    readAhead.forget(volume);
                    if (fromPage == 0) {
                        writeBack.forget(volume); // deleted, emptied or renamed away: no barrier owed for it
                    }
                    table.changed.signalAll();
                    return;
                }
                await(start, noIo, "discard", volume + " from page " + fromPage, busy);
            }
        } finally {
            table.lock.unlock();
        }
    }

    // ------------------------------------------------------------------ waiting

    /**
     * Issues the deferred I/O (unlocked) if there is any, else waits for a change until the fix timeout since
     * {@code start}. {@code operation + " of " + subject} names the caller ("fix of " + page, "discard of " + …);
     * {@code on} is the frame waited for, or null when a fix waits for any frame. Out of time, throws
     * {@link FixTimeoutException} saying what it waited for; interrupted, a REJECTED {@link PageIoException}
     * with the thread's interrupt flag set again.
     */
    private void await(long start, DeferredIo deferred, String operation, Object subject, Frame on) throws PageIoException {
        boolean inTime;
        try {
            inTime = table.awaitChange(start, fixTimeoutNanos, deferred);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PageIoException(PageIoException.Kind.REJECTED, operation + " of " + subject + ": interrupted while waiting", e);
        }
        if (inTime) {
            return;
        }
        String what = operation + " of " + subject;
        String volume = subject instanceof PageId id ? id.volume() : on != null ? on.pageId.volume() : String.valueOf(subject);
        long ms = config.fixTimeout().toMillis();
        if (on != null) {
            PoolTimeoutException.WaitedFor waitedFor = switch (on.state) {
                case READING -> PoolTimeoutException.WaitedFor.READ;
                case WRITING -> PoolTimeoutException.WaitedFor.WRITE_BACK;
                default -> PoolTimeoutException.WaitedFor.PIN;
            };
            throw new FixTimeoutException(operation, volume, on.page(), waitedFor, config.fixTimeout(), what
                    + " timed out after " + ms + " ms waiting for " + on
                    + (on.flushRequested ? " (a sync waits for its exclusive pin to end)" : ""));
        }
        throw new FixTimeoutException(operation, volume, -1, PoolTimeoutException.WaitedFor.FRAME, config.fixTimeout(),
                what + " timed out after " + ms + " ms: no frame to take, all "
                + table.frames.length + " frames are pinned or in I/O (pinned " + table.pinnedFrames() + ", "
                + table.ioCounts() + ", dirty " + writeBack.dirtyFrames() + "); unfix pages or raise budgetBytes");
    }

    // ------------------------------------------------------------------ checks and lifecycle

    /** Checks the numbered invariants of the class doc; throws {@link AssertionError} naming the first broken. */
    public void assertInvariants() {
        table.lock.lock();
        try {
            table.checkInvariants();
            writeBack.checkInvariants();
        } finally {
            table.lock.unlock();
        }
    }

    /**
     * Closes the pool: later fixes, prefetches and discards fail, and the background flusher stops (close
     * waits for its thread to end, up to the fix timeout, at least a second). Dirty pages are not written;
     * call {@link #sync} first. I/O in flight completes normally. The pool's gauges leave the registry (its
     * counters stay, for a pool opened after it). The frames' memory is freed when the pool is garbage; a pool
     * never closed keeps its flusher thread, which keeps the pool reachable.
     */
    @Override
    public void close() {
        table.lock.lock();
        try {
            table.closed = true;
            table.changed.signalAll();
            if (writeBack.flusher != null) {
                writeBack.flusher.stop();
            }
        } finally {
            table.lock.unlock();
        }
        if (writeBack.flusher != null) {
            writeBack.flusher.join(Math.max(1000, config.fixTimeout().toMillis()));
        }
        meters.removeGauges();
    }
}
