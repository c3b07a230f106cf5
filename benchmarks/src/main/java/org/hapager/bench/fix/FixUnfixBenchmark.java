package org.hapager.bench.fix;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.BufferPoolConfig;
import org.hapager.bufferpool.MemoryPageIo;
import org.hapager.bufferpool.Mode;
import org.hapager.bufferpool.PageHandle;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * One fix + unfix pair ({@code pool.fix(...)} and {@code PageHandle.close()}) of a page that is resident,
 * clean and unpinned, over {@link MemoryPageIo}: the cost the pool adds to every page access that hits.
 * Time is per pair and per thread ({@code AverageTime}); with {@code @Threads(2)} each thread's pairs are
 * timed while the other runs. Add {@code -prof org.hapager.bench.fix.ThreadCpuProfiler} for the benchmark
 * threads' CPU time per pair, which a busy machine disturbs less than wall time.
 *
 * <ul>
 *   <li>{@code shared_1t}, {@code exclusive_1t}: one thread, uncontended (aim of issue 5: ≤ 100 ns).</li>
 *   <li>{@code *_2t_distinctPages}: two threads, each on its own resident page (they share only the pool).</li>
 *   <li>{@code *_2t_samePage}: two threads on one page; EXCLUSIVE fixes wait for each other's unfix.</li>
 *   <li>{@code miss_1t}: a fix that misses and evicts a clean frame (every fix cycles through twice as many
 *       pages as there are frames), then the unfix: the pool's bookkeeping for a miss, with the read free.
 *       Read-ahead is off in this pool (the cycle is sequential, so it would turn the misses into hits); the
 *       resident-page benchmarks use the defaults, read-ahead included.</li>
 *   <li>{@code baseline_*}: the floor in the same run: a {@link ReentrantLock} lock/unlock pair (1 thread, and
 *       2 threads on the same lock), a {@link ConcurrentHashMap} get, and a pool-shaped floor (lock, a
 *       {@link HashMap} get of a fresh key, unlock; then lock, unlock: fix and unfix each take the pool's lock),
 *       and one {@link System#nanoTime()} (every fix reads the clock once).</li>
 * </ul>
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 8, time = 2) // on a busy 2-core machine C2 needs several seconds to compile the fix path
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class FixUnfixBenchmark {

    static final int PAGE_SIZE = 4096;
    /** Frames in the pool. */
    static final int FRAMES = 1024;
    /** Pages made resident before measuring; thread i uses page i * THREAD_PAGE_STRIDE. */
    static final int RESIDENT_PAGES = 64;
    static final int THREAD_PAGE_STRIDE = 8;
    /** Pages the miss benchmark cycles through: twice the frames, so every fix misses. */
    static final int MISS_PAGES = 2 * FRAMES;

    private final Volume volume = Volume.of("bench/fix.dat", PAGE_SIZE);
    private BufferPool pool;
    private BufferPool missPool;
    private long missNext;

    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentHashMap<Key, Long> concurrentMap = new ConcurrentHashMap<>();
    private final Map<Key, Long> map = new HashMap<>();

    /** Shaped like the pool's page-table key: a volume name and a page number, made anew per lookup. */
    record Key(String volume, long page) {}

    /** The page a benchmark thread fixes: its own in the distinct-page cases. */
    @State(Scope.Thread)
    public static class ThreadPage {
        long page;

        @Setup(Level.Trial)
        public void setUp(ThreadParams params) {
            page = (long) params.getThreadIndex() * THREAD_PAGE_STRIDE;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws PageIoException {
        pool = newPool(FRAMES, true);
        for (long p = 0; p < RESIDENT_PAGES; p++) {
            pool.fix(volume, p, Mode.SHARED).close();
            concurrentMap.put(new Key(volume.name(), p), p);
            map.put(new Key(volume.name(), p), p);
        }
        missPool = newPool(FRAMES, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.assertInvariants();
        missPool.assertInvariants();
        pool.close();
        missPool.close();
    }

    /** The pool with the 4-argument config's defaults; {@code readAhead} false turns read-ahead off. */
    private static BufferPool newPool(int frames, boolean readAhead) {
        BufferPoolConfig config = new BufferPoolConfig((long) frames * PAGE_SIZE, PAGE_SIZE, Duration.ofSeconds(5), new SimpleMeterRegistry());
        return new BufferPool(MemoryPageIo.stampingPageNumbers(), readAhead ? config : config.withReadAheadPages(0));
    }

    private long fixUnfix(BufferPool p, long page, Mode mode) throws PageIoException {
        try (PageHandle h = p.fix(volume, page, mode)) {
            return h.page();
        }
    }

    // ---------------------------------------------------------------- the pool, resident page

    @Benchmark
    @Threads(1)
    public long shared_1t(ThreadPage t) throws PageIoException {
        return fixUnfix(pool, t.page, Mode.SHARED);
    }

    @Benchmark
    @Threads(1)
    public long exclusive_1t(ThreadPage t) throws PageIoException {
        return fixUnfix(pool, t.page, Mode.EXCLUSIVE);
    }

    @Benchmark
    @Threads(2)
    public long shared_2t_distinctPages(ThreadPage t) throws PageIoException {
        return fixUnfix(pool, t.page, Mode.SHARED);
    }

    @Benchmark
    @Threads(2)
    public long exclusive_2t_distinctPages(ThreadPage t) throws PageIoException {
        return fixUnfix(pool, t.page, Mode.EXCLUSIVE);
    }

    @Benchmark
    @Threads(2)
    public long shared_2t_samePage() throws PageIoException {
        return fixUnfix(pool, 0, Mode.SHARED);
    }

    @Benchmark
    @Threads(2)
    public long exclusive_2t_samePage() throws PageIoException {
        return fixUnfix(pool, 0, Mode.EXCLUSIVE);
    }

    // ---------------------------------------------------------------- the pool, miss

    @Benchmark
    @Threads(1)
    public long miss_1t() throws PageIoException {
        long page = missNext;
        missNext = page + 1 == MISS_PAGES ? 0 : page + 1;
        return fixUnfix(missPool, page, Mode.SHARED);
    }

    // ---------------------------------------------------------------- baselines

    @Benchmark
    @Threads(1)
    public int baseline_lockUnlock_1t() {
        lock.lock();
        try {
            return lock.getHoldCount();
        } finally {
            lock.unlock();
        }
    }

    @Benchmark
    @Threads(2)
    public int baseline_lockUnlock_2t_sameLock() {
        lock.lock();
        try {
            return lock.getHoldCount();
        } finally {
            lock.unlock();
        }
    }

    @Benchmark
    @Threads(1)
    public Long baseline_concurrentHashMapGet_1t(ThreadPage t) {
        return concurrentMap.get(new Key(volume.name(), t.page));
    }

    @Benchmark
    @Threads(2)
    public Long baseline_concurrentHashMapGet_2t(ThreadPage t) {
        return concurrentMap.get(new Key(volume.name(), t.page));
    }

    @Benchmark
    @Threads(1)
    public long baseline_nanoTime_1t() {
        return System.nanoTime();
    }

    @Benchmark
    @Threads(1)
    public Long baseline_poolShapedFloor_1t(ThreadPage t) {
        Long v;
        lock.lock();
        try {
            v = map.get(new Key(volume.name(), t.page));
        } finally {
            lock.unlock();
        }
        lock.lock();
        lock.unlock();
        return v;
    }
}
