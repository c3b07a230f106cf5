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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.hapager.pager.PagerClient;
import org.hapager.pager.Volume;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several threads fix, modify, unfix, sync, prefetch, scan (so read-ahead starts) and discard pages at
 * random against a model, through a pool far smaller than the working set, so eviction, write-back and the
 * flusher run all the time. Thread {@code t} is the only writer of the pages {@code p} with
 * {@code p % THREADS == t} of the shared volumes, and changes them only under an exclusive fix, so the model
 * of every page is exact whenever a fix is held. Each thread also owns a private volume, which it truncates
 * the way a database does: {@code discard} of the pages from {@code n} on, then the pager's
 * {@code setLength}; in the model those pages become zeros (version 0), which also checks that a dropped
 * dirty page is never written later. Seeded: a failure names its seed, and {@code -Dhapager.seed=N} repeats it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@ExtendWith(SeedExtension.class)
class BufferPoolModelTest {

    static final int PAGE_SIZE = 512;
    static final int THREADS = 4;
    static final int PAGES_PER_VOLUME = 96;
    static final int FRAMES = 20;
    static final int OPS_PER_THREAD = 2_000;
    static final int PRIVATE_PAGES = 32;

    @TempDir
    Path dir;

    @Test
    void randomFixModifyUnfixSyncAgainstModel(Seed testSeed) throws Exception {
        long seed = testSeed.value();
        try (PoolServer servers = new PoolServer(dir)) {
            PagerClient pager = servers.client();
            Volume[] volumes = {Volume.of("bp/a.dat", PAGE_SIZE), Volume.of("bp/b.dat", PAGE_SIZE)};
            Volume[] privates = new Volume[THREADS];
            AtomicLongArray[] model = {new AtomicLongArray(PAGES_PER_VOLUME), new AtomicLongArray(PAGES_PER_VOLUME)};
            AtomicLongArray[] privateModel = new AtomicLongArray[THREADS];
            for (int t = 0; t < THREADS; t++) {
                privates[t] = Volume.of("bp/private-" + t + ".dat", PAGE_SIZE);
                privateModel[t] = new AtomicLongArray(PRIVATE_PAGES);
            }
            for (Volume v : volumes) {
                pager.create(v.name(), true).join();
            }
            for (Volume v : privates) {
                pager.create(v.name(), true).join();
            }
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            BufferPool pool = new BufferPool(pager, new BufferPoolConfig((long) FRAMES * PAGE_SIZE, PAGE_SIZE,
                    Duration.ofSeconds(30), registry));

            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                runs.add(threads.submit(() -> {
                    Worker w = new Worker(pool, pager, volumes, model, privates[thread], privateModel[thread], thread);
                    w.run(new Random(seed + thread));
                    return null;
                }));
            }
            try {
                for (Future<?> run : runs) {
                    run.get(150, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                throw new AssertionError("a worker failed: " + e, e);
            } finally {
                threads.shutdownNow();
            }
            pool.assertInvariants();
            for (Volume v : volumes) {
                pool.sync(v.name());
            }
            for (Volume v : privates) {
                pool.sync(v.name());
            }
            pool.assertInvariants();

            PagerClient fresh = servers.client();
            for (int vi = 0; vi < volumes.length; vi++) {
                for (int p = 0; p < PAGES_PER_VOLUME; p++) {
                    ByteBuffer read = ByteBuffer.allocate(PAGE_SIZE);
                    fresh.read(volumes[vi], p, read).join();
                    assertEquals(content(vi, p, model[vi].get(p)), read, volumes[vi] + " page " + p);
                }
            }
            for (int t = 0; t < THREADS; t++) {
                for (int p = 0; p < PRIVATE_PAGES; p++) {
                    ByteBuffer read = ByteBuffer.allocate(PAGE_SIZE);
                    fresh.read(privates[t], p, read).join();
                    assertEquals(content(privateIndex(t), p, privateModel[t].get(p)), read.clear(),
                            privates[t] + " page " + p);
                }
            }
            double evictions = registry.get("hapager.bufferpool.evictions").counter().count();
            double writeBacks = registry.get("hapager.bufferpool.writebacks").counters().stream().mapToDouble(Counter::count).sum();
            double misses = registry.get("hapager.bufferpool.misses").counter().count();
            double hits = registry.get("hapager.bufferpool.hits").counter().count();
            System.out.printf("hits %.0f, misses %.0f, evictions %.0f, write-backs %.0f (flusher %.0f), prefetch reads %.0f,"
                            + " prefetch hits %.0f%n", hits, misses, evictions, writeBacks,
                    registry.get("hapager.bufferpool.writebacks").tag("cause", "flusher").counter().count(),
                    registry.get("hapager.bufferpool.prefetch.reads").counter().count(),
                    registry.get("hapager.bufferpool.prefetch.hits").counter().count());
            assertTrue(evictions > 100 && writeBacks > 100, "eviction and write-back should run constantly");
            assertEquals(0.0, registry.get("hapager.bufferpool.pinned").gauge().value());
            assertEquals(0.0, registry.get("hapager.bufferpool.dirty").gauge().value());
            pool.close();
        }
    }

    static int privateIndex(int thread) {
        return 2 + thread;
    }

    /** One thread's random operations. */
    private record Worker(BufferPool pool, PagerClient pager, Volume[] volumes, AtomicLongArray[] model, Volume own,
                          AtomicLongArray ownModel, AtomicLongArray ownNewest, int thread) {

        Worker(BufferPool pool, PagerClient pager, Volume[] volumes, AtomicLongArray[] model, Volume own,
               AtomicLongArray ownModel, int thread) {
            this(pool, pager, volumes, model, own, ownModel, new AtomicLongArray(PRIVATE_PAGES), thread);
        }

        void run(Random random) throws Exception {
            for (int op = 0; op < OPS_PER_THREAD; op++) {
                if (op % 250 == 0) {
                    pool.assertInvariants();
                }
                int roll = random.nextInt(100);
                int vi = random.nextInt(volumes.length);
                if (roll < 44) { // read any page
                    int p = random.nextInt(PAGES_PER_VOLUME);
                    try (PageHandle h = pool.fix(volumes[vi], p, Mode.SHARED)) {
                        check(h.buffer(), vi, p, model[vi].get(p), "shared fix");
                    }
                } else if (roll < 51) { // hold a few shared pins at once
                    holdShared(random, vi);
                } else if (roll < 86) { // modify one of this thread's pages
                    int p = random.nextInt(PAGES_PER_VOLUME / THREADS) * THREADS + thread;
                    modify(volumes[vi], vi, p, model[vi], model[vi]);
                } else if (roll < 89) { // sync, then this thread's pages are durable exactly as modelled
                    pool.sync(volumes[vi].name());
                    for (int i = 0; i < 3; i++) {
                        int p = random.nextInt(PAGES_PER_VOLUME / THREADS) * THREADS + thread;
                        ByteBuffer read = ByteBuffer.allocate(PAGE_SIZE);
                        pager.read(volumes[vi], p, read).join();
                        check(read, vi, p, model[vi].get(p), "durable after sync");
                    }
                } else if (roll < 92) { // prefetch a few pages; sometimes wait for the reads, then fix one
                    int first = random.nextInt(PAGES_PER_VOLUME);
                    int count = Math.min(1 + random.nextInt(8), PAGES_PER_VOLUME - first);
                    CompletableFuture<Void> prefetched = pool.prefetch(volumes[vi], first, count);
                    if (random.nextBoolean()) {
                        prefetched.get(30, TimeUnit.SECONDS);
                        int p = first + random.nextInt(count);
                        try (PageHandle h = pool.fix(volumes[vi], p, Mode.SHARED)) {
                            check(h.buffer(), vi, p, model[vi].get(p), "fix after prefetch");
                        }
                    }
                } else if (roll < 95) { // a sequential scan: read-ahead starts
                    int first = random.nextInt(PAGES_PER_VOLUME - 8);
                    for (int p = first; p < first + 8; p++) {
                        try (PageHandle h = pool.fix(volumes[vi], p, Mode.SHARED)) {
                            check(h.buffer(), vi, p, model[vi].get(p), "scan");
                        }
                    }
                } else {
                    ownVolume(random);
                }
            }
        }

        private void holdShared(Random random, int vi) throws Exception {
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
        }

        /** Writes version {@code newest[p] + 1} (newest: the last version written, truncations notwithstanding). */
        private void modify(Volume v, int vi, int p, AtomicLongArray m, AtomicLongArray newest) throws Exception {
            try (PageHandle h = pool.fix(v, p, Mode.EXCLUSIVE)) {
                check(h.buffer(), vi, p, m.get(p), "exclusive fix");
                long version = newest.incrementAndGet(p); // never reused: a stale write could not pass for a new one
                h.buffer().put(0, content(vi, p, version), 0, PAGE_SIZE);
                h.markDirty();
                m.set(p, version);
            }
        }

        /** This thread's own volume: modify, scan, or truncate (discard, then the pager's setLength). */
        private void ownVolume(Random random) throws Exception {
            int vi = privateIndex(thread);
            int kind = random.nextInt(4);
            if (kind < 2) {
                modify(own, vi, random.nextInt(PRIVATE_PAGES), ownModel, ownNewest);
            } else if (kind == 2) {
                int first = random.nextInt(PRIVATE_PAGES - 6);
                for (int p = first; p < first + 6; p++) {
                    try (PageHandle h = pool.fix(own, p, Mode.SHARED)) {
                        check(h.buffer(), vi, p, ownModel.get(p), "scan of the own volume");
                    }
                }
            } else {
                int from = random.nextInt(PRIVATE_PAGES);
                pool.discard(own.name(), from); // dirty pages from 'from' on are dropped, never written
                pager.setLength(own.name(), (long) from * PAGE_SIZE).get(30, TimeUnit.SECONDS);
                for (int p = from; p < PRIVATE_PAGES; p++) {
                    ownModel.set(p, 0);
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
