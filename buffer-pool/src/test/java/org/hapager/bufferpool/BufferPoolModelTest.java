package org.hapager.bufferpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.hapager.pager.PagerClient;
import org.hapager.pager.Volume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several threads fix, modify, unfix and sync pages at random against a model, through a pool far smaller
 * than the working set, so eviction and write-back run all the time. Thread {@code t} is the only writer of
 * the pages {@code p} with {@code p % THREADS == t}, and changes them only under an exclusive fix, so the
 * model of every page is exact whenever a fix is held. Seeded: rerun with {@code -Dseed=N}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BufferPoolModelTest {

    static final int PAGE_SIZE = 512;
    static final int THREADS = 4;
    static final int PAGES_PER_VOLUME = 96;
    static final int FRAMES = 20;
    static final int OPS_PER_THREAD = 2_000;

    @TempDir
    Path dir;

    @Test
    void randomFixModifyUnfixSyncAgainstModel() throws Exception {
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("BufferPoolModelTest seed " + seed + " (rerun with -Dseed=" + seed + ")");
        try (PoolServer servers = new PoolServer(dir)) {
            PagerClient pager = servers.client();
            Volume[] volumes = {Volume.of("bp/a.dat", PAGE_SIZE), Volume.of("bp/b.dat", PAGE_SIZE)};
            for (Volume v : volumes) {
                pager.create(v.name(), true).join();
            }
            AtomicLongArray[] model = {new AtomicLongArray(PAGES_PER_VOLUME), new AtomicLongArray(PAGES_PER_VOLUME)};
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            BufferPool pool = new BufferPool(pager, new BufferPoolConfig((long) FRAMES * PAGE_SIZE, PAGE_SIZE,
                    Duration.ofSeconds(30), registry));

            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                runs.add(threads.submit(() -> {
                    run(pool, pager, volumes, model, thread, new Random(seed + thread));
                    return null;
                }));
            }
            try {
                for (Future<?> run : runs) {
                    run.get(150, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                throw new AssertionError("seed " + seed + ": " + e, e);
            } finally {
                threads.shutdownNow();
            }
            pool.assertInvariants();
            for (Volume v : volumes) {
                pool.sync(v.name());
            }
            pool.assertInvariants();

            PagerClient fresh = servers.client();
            for (int vi = 0; vi < volumes.length; vi++) {
                for (int p = 0; p < PAGES_PER_VOLUME; p++) {
                    ByteBuffer read = ByteBuffer.allocate(PAGE_SIZE);
                    fresh.read(volumes[vi], p, read).join();
                    assertEquals(content(vi, p, model[vi].get(p)), read, "seed " + seed + ": " + volumes[vi] + " page " + p);
                }
            }
            double evictions = registry.get("hapager.bufferpool.evictions").counter().count();
            double writeBacks = registry.get("hapager.bufferpool.writebacks").counters().stream().mapToDouble(Counter::count).sum();
            double misses = registry.get("hapager.bufferpool.misses").counter().count();
            double hits = registry.get("hapager.bufferpool.hits").counter().count();
            System.out.printf("hits %.0f, misses %.0f, evictions %.0f, write-backs %.0f%n", hits, misses, evictions, writeBacks);
            assertTrue(evictions > 100 && writeBacks > 100, "seed " + seed + ": eviction and write-back should run constantly");
            assertEquals(0.0, registry.get("hapager.bufferpool.pinned").gauge().value());
            assertEquals(0.0, registry.get("hapager.bufferpool.dirty").gauge().value());
            pool.close();
        }
    }

    private static void run(BufferPool pool, PagerClient pager, Volume[] volumes, AtomicLongArray[] model, int thread,
                            Random random) throws Exception {
        for (int op = 0; op < OPS_PER_THREAD; op++) {
            if (op % 250 == 0) {
                pool.assertInvariants();
            }
            int roll = random.nextInt(100);
            int vi = random.nextInt(volumes.length);
            if (roll < 50) { // read any page
                int p = random.nextInt(PAGES_PER_VOLUME);
                try (PageHandle h = pool.fix(volumes[vi], p, Mode.SHARED)) {
                    check(h.buffer(), vi, p, model[vi].get(p), "shared fix");
                }
            } else if (roll < 58) { // hold a few shared pins at once
                List<PageHandle> held = new ArrayList<>();
                List<Integer> pages = new ArrayList<>();
                try {
                    for (int i = 0; i < 3; i++) {
                        int p = random.nextInt(PAGES_PER_VOLUME);
                        held.add(pool.fix(volumes[vi], p, Mode.SHARED));
                        pages.add(p);
                    }
                    for (int i = 0; i < held.size(); i++) {
                        check(held.get(i).buffer(), vi, pages.get(i), model[vi].get(pages.get(i)), "held shared fix");
                    }
                } finally {
                    held.forEach(PageHandle::close);
                }
            } else if (roll < 97) { // modify one of this thread's pages
                int p = random.nextInt(PAGES_PER_VOLUME / THREADS) * THREADS + thread;
                try (PageHandle h = pool.fix(volumes[vi], p, Mode.EXCLUSIVE)) {
                    long version = model[vi].get(p);
                    check(h.buffer(), vi, p, version, "exclusive fix");
                    h.buffer().put(0, content(vi, p, version + 1), 0, PAGE_SIZE);
                    h.markDirty();
                    model[vi].set(p, version + 1);
                }
            } else { // sync, then this thread's pages are durable exactly as modelled
                pool.sync(volumes[vi].name());
                for (int i = 0; i < 3; i++) {
                    int p = random.nextInt(PAGES_PER_VOLUME / THREADS) * THREADS + thread;
                    ByteBuffer read = ByteBuffer.allocate(PAGE_SIZE);
                    pager.read(volumes[vi], p, read).join();
                    check(read, vi, p, model[vi].get(p), "durable after sync");
                }
            }
        }
    }

    private static void check(ByteBuffer actual, int vi, int page, long version, String what) {
        if (!content(vi, page, version).equals(actual.duplicate().clear())) {
            throw new AssertionError(what + ": volume " + vi + " page " + page + " differs from model version " + version);
        }
    }

    /** Version 0 is a page never written (zeros); version v > 0 a pattern of (volume, page, v). */
    static ByteBuffer content(int vi, int page, long version) {
        ByteBuffer b = ByteBuffer.allocate(PAGE_SIZE);
        if (version > 0) {
            long x = (vi * 1_000_003L + page) * 0x9E3779B97F4A7C15L + version;
            for (int i = 0; i < PAGE_SIZE / Long.BYTES; i++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                b.putLong(i * Long.BYTES, x);
            }
        }
        return b;
    }
}
