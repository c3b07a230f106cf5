package org.hapager.bufferpool.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.BufferPoolConfig;
import org.hapager.pager.PagerClient;
import org.hapager.pager.ServerPair;
import org.hapager.server.process.PageServerProcess;
import org.hapager.testkit.Await;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The paged-memory test: fill and read back a region 10× the pool size, with a failover in the
 * middle. Two real page servers share a data directory; a pool of {@value #FRAMES} frames serves a
 * {@link PagedMemory} whose region of {@value #REGION_PAGES} pages (10× the pool) two threads fill with a
 * seeded pattern, chunk by chunk ({@value #CHUNK} bytes, so chunks straddle pages and the two threads share the
 * pages where their chunks meet), alternating bulk puts and single {@code putLong}s. Every new page evicts a
 * dirty one, so write-backs and faults are in flight all the time. When 40 % is written the serving server is
 * killed (kill -9) or frozen (SIGSTOP; the other server fences it); a thread that reaches 60 % first waits for
 * the fault, so the fault always lands in the middle of the fill. The threads then finish, the memory syncs,
 * and every byte is read back twice: through the same memory (mostly faulted in again, from the surviving
 * server), and through a fresh client of the survivor alone, a fresh pool and {@link PagedMemory#open} of the
 * same volume. The memory's tail beyond the region is never written and must read as zeros. No access may
 * fail. Seeded: a failure names its seed, and {@code -Dhapager.seed=N} repeats it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@ExtendWith(SeedExtension.class)
class PagedMemoryFailoverTest {

    static final int PAGE_SIZE = 4096;
    static final int FRAMES = 64;
    static final int REGION_PAGES = 10 * FRAMES;
    static final long REGION = (long) REGION_PAGES * PAGE_SIZE;
    /** The memory is a few pages larger than the region: its tail is never written. */
    static final long SIZE = REGION + 8L * PAGE_SIZE;
    /** A multiple of 8 that is not a multiple of the page size. */
    static final int CHUNK = 10_000;
    static final int THREADS = 2;
    static final double FAULT_AT = 0.4;
    static final double HOLD_AT = 0.6;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kill9", "sigstop"})
    void fillTenTimesThePoolWithAFailoverInTheMiddleAndReadItBack(String fault, Seed testSeed) throws Exception {
        long seed = testSeed.value();
        long started = System.nanoTime();
        // The primary serves first and is the one faulted: only the secondary, which takes over, warms up.
        try (ServerPair pair = new ServerPair(dir, List.of("--warmup-ops", "0"), List.of())) {
            long serversUp = System.nanoTime();
            PagerClient pager = pair.client();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            BufferPool pool = new BufferPool(pager, new BufferPoolConfig((long) FRAMES * PAGE_SIZE, PAGE_SIZE,
                    Duration.ofSeconds(30), registry));
            PagedMemory mem = PagedMemory.open(pool, pager, "swap/failover-" + fault, SIZE);

            long chunks = (REGION + CHUNK - 1) / CHUNK;
            AtomicLong written = new AtomicLong();
            CountDownLatch faulted = new CountDownLatch(1);
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                Thread w = new Thread(() -> {
                    try {
                        fill(mem, seed, thread, chunks, written, faulted);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "mem-fill-" + t);
                workers.add(w);
                w.start();
            }

            PageServerProcess victim;
            try {
                await("40 % written", () -> written.get() >= FAULT_AT * REGION, failures);
                InetSocketAddress serving = pager.currentServer();
                victim = pair.at(serving);
                assertNotNull(victim, "serving server " + serving);
                System.out.printf("[%s] %s of the serving server %s at %.0f %% written%n", fault,
                        fault.equals("kill9") ? "kill -9" : "SIGSTOP", serving, 100.0 * written.get() / REGION);
                if (fault.equals("kill9")) {
                    victim.kill9();
                } else {
                    victim.sigstop();
                }
                faulted.countDown();
                await("failover from " + serving, () -> {
                    InetSocketAddress now = pager.currentServer();
                    return now != null && !now.equals(serving);
                }, failures);
                if (fault.equals("sigstop")) {
                    assertTrue(victim.awaitExit(Duration.ofSeconds(20)), "the frozen server was fenced");
                }
            } finally {
                faulted.countDown();
                for (Thread w : workers) {
                    w.join(TimeUnit.SECONDS.toMillis(60));
                }
            }
            if (!failures.isEmpty()) {
                fail("a filling thread failed: " + failures.get(0), failures.get(0));
            }
            for (Thread w : workers) {
                assertTrue(!w.isAlive(), w.getName() + " did not finish");
            }
            assertEquals(REGION, written.get());
            long filled = System.nanoTime();
            mem.sync();
            pool.assertInvariants();
            assertEquals(0.0, registry.get("hapager.bufferpool.dirty").gauge().value());
            assertEquals(0.0, registry.get("hapager.bufferpool.pinned").gauge().value());
            double writeBacks = registry.get("hapager.bufferpool.writebacks").counters().stream() // every cause
                    .mapToDouble(Counter::count).sum();
            assertTrue(writeBacks >= REGION_PAGES - FRAMES, "write-backs " + writeBacks);

            long synced = System.nanoTime();
            check(mem, seed, "read back through the same memory");
            long checked = System.nanoTime();
            PageServerProcess survivor = pair.other(victim);
            assertTrue(survivor.isAlive(), "the other server survives");
            PagerClient fresh = pair.client(survivor.address());
            try (BufferPool freshPool = new BufferPool(fresh, new BufferPoolConfig((long) FRAMES * PAGE_SIZE, PAGE_SIZE,
                    Duration.ofSeconds(30), new SimpleMeterRegistry()))) {
                check(PagedMemory.open(freshPool, fresh, mem.volume().name(), SIZE), seed, "read back from the survivor");
            }
            mem.close();
            pool.close();
            long end = System.nanoTime();
            System.out.printf("[%s] %d bytes (%d pages, %d× the pool) filled and checked twice; write-backs %.0f, "
                            + "evictions %.0f, pager failovers %.0f, reissues %.0f; ms: servers up %d, fill %d, sync %d, "
                            + "check %d, check from the survivor %d%n",
                    fault, REGION, REGION_PAGES, REGION_PAGES / FRAMES, writeBacks,
                    registry.get("hapager.bufferpool.evictions").counter().count(),
                    sum(pager.config().meterRegistry(), "hapager.pager.failovers"),
                    sum(pager.config().meterRegistry(), "hapager.pager.reissues"),
                    ms(started, serversUp), ms(serversUp, filled), ms(filled, synced), ms(synced, checked), ms(checked, end));
        }
    }

    /**
     * Thread {@code t} writes the chunks {@code c % THREADS == t} in order: its even chunks with one bulk put
     * (a heap array, or a direct buffer), its odd chunks one {@code putLong} at a time. Past {@link #HOLD_AT}
     * of its chunks it waits for the fault.
     */
    private static void fill(PagedMemory mem, long seed, int thread, long chunks, AtomicLong written,
                             CountDownLatch faulted) throws InterruptedException {
        long mine = (chunks - thread + THREADS - 1) / THREADS;
        long k = 0;
        for (long c = thread; c < chunks; c += THREADS, k++) {
            if (k >= HOLD_AT * mine && faulted.getCount() > 0) {
                assertTrue(faulted.await(30, TimeUnit.SECONDS), "the fault was never injected");
            }
            long start = c * CHUNK;
            int length = (int) Math.min(CHUNK, REGION - start);
            if (k % 2 == 0) {
                ByteBuffer chunk = k % 4 == 0 ? ByteBuffer.allocate(length) : ByteBuffer.allocateDirect(length);
                for (int i = 0; i < length; i += Long.BYTES) {
                    chunk.putLong(i, pattern(seed, start + i));
                }
                if (chunk.hasArray()) {
                    mem.put(start, chunk.array());
                } else {
                    mem.put(start, chunk);
                    assertEquals(length, chunk.position());
                }
            } else {
                for (int i = 0; i < length; i += Long.BYTES) {
                    mem.putLong(start + i, pattern(seed, start + i));
                }
            }
            written.addAndGet(length);
        }
    }

    /** Reads the whole memory: the region by pages in bulk and every 7th long singly; the tail must be zeros. */
    private static void check(PagedMemory mem, long seed, String how) {
        byte[] page = new byte[PAGE_SIZE];
        for (long p = 0; p < SIZE / PAGE_SIZE; p++) {
            long base = p * PAGE_SIZE;
            mem.get(base, page);
            ByteBuffer b = ByteBuffer.wrap(page);
            for (int i = 0; i < PAGE_SIZE; i += Long.BYTES) {
                long expected = base + i < REGION ? pattern(seed, base + i) : 0;
                if (b.getLong(i) != expected) {
                    fail(how + ": offset " + (base + i) + " holds " + Long.toHexString(b.getLong(i))
                            + ", expected " + Long.toHexString(expected));
                }
            }
        }
        for (long off = 0; off < SIZE; off += 7 * Long.BYTES) {
            long expected = off < REGION ? pattern(seed, off) : 0;
            assertEquals(expected, mem.getLong(off), how + ": getLong(" + off + ")");
        }
    }

    /** The seeded value of the long at {@code offset} (splitmix64): never zero in practice, so a lost write shows. */
    static long pattern(long seed, long offset) {
        long z = seed + (offset / Long.BYTES + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long ms(long from, long to) {
        return TimeUnit.NANOSECONDS.toMillis(to - from);
    }

    private static double sum(MeterRegistry registry, String name) {
        double total = 0;
        for (Meter m : registry.find(name).meters()) {
            for (var measurement : m.measure()) {
                total += measurement.getValue();
            }
        }
        return total;
    }

    /** Waits (30 s) for {@code condition}; fails at once if a filling thread failed meanwhile. */
    private static void await(String what, BooleanSupplier condition, List<Throwable> failures) {
        Await.until(what, Duration.ofSeconds(30), () -> {
            if (!failures.isEmpty()) {
                throw new AssertionError("while awaiting " + what + ": a filling thread failed: " + failures.get(0), failures.get(0));
            }
            return condition.getAsBoolean();
        });
    }
}
