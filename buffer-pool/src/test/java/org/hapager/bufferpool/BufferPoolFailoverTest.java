package org.hapager.bufferpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import org.hapager.pager.PagerClient;
import org.hapager.pager.ServerPair;
import org.hapager.pager.Volume;
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
 * Failover during write-back: several threads fix pages EXCLUSIVE, modify them, mark them dirty and unfix
 * them through a pool far smaller than the working set, so eviction write-backs run constantly; meanwhile
 * the server the client uses is killed (kill -9) or frozen (SIGSTOP, and then fenced by the other). The
 * threads go on through the failover; no fix or sync may fail, and after {@code sync} every page read
 * through a fresh client equals the model. Thread {@code t} is the only writer of the pages
 * {@code p % THREADS == t}. Seeded: a failure names its seed, and {@code -Dhapager.seed=N} repeats it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@ExtendWith(SeedExtension.class)
class BufferPoolFailoverTest {

    static final int PAGE_SIZE = 4096;
    static final int PAGES = 256;
    static final int FRAMES = 16;
    static final int THREADS = 4;
    /** Write-backs to see before the fault, and again after the failover, before stopping. */
    static final int WRITE_BACKS_AROUND_FAULT = 300;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kill9", "sigstop"})
    void failoverDuringWriteBackLosesNoPage(String fault, Seed testSeed) throws Exception {
        long seed = testSeed.value();
        try (ServerPair pair = new ServerPair(dir)) {
            PagerClient pager = pair.client();
            Volume volume = Volume.of("bp/failover.dat", PAGE_SIZE);
            pager.create(volume.name(), true).join();
            AtomicLongArray model = new AtomicLongArray(PAGES);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            BufferPool pool = new BufferPool(pager, new BufferPoolConfig((long) FRAMES * PAGE_SIZE, PAGE_SIZE,
                    Duration.ofSeconds(30), registry));
            DoubleSupplier writeBacks = () -> registry.get("hapager.bufferpool.writebacks").counters().stream() // every cause
                    .mapToDouble(Counter::count).sum();

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong modifications = new AtomicLong();
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                Random random = new Random(seed + thread);
                Thread w = new Thread(() -> {
                    try {
                        work(pool, volume, model, thread, random, stop, modifications);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "bp-failover-" + t);
                workers.add(w);
                w.start();
            }

            PageServerProcess victim;
            double writeBacksAtFault;
            double writeBacksAfterFailover;
            try {
                double start = writeBacks.getAsDouble();
                await("write-backs before the fault", () -> writeBacks.getAsDouble() >= start + WRITE_BACKS_AROUND_FAULT, failures);
                InetSocketAddress serving = pager.currentServer();
                victim = pair.at(serving);
                assertNotNull(victim, "serving server " + serving);
                writeBacksAtFault = writeBacks.getAsDouble();
                if (fault.equals("kill9")) {
                    victim.kill9();
                } else {
                    victim.sigstop();
                }
                await("failover from " + serving, () -> {
                    InetSocketAddress now = pager.currentServer();
                    return now != null && !now.equals(serving);
                }, failures);
                if (fault.equals("sigstop")) {
                    // the new server took the reservation by fencing the frozen one
                    assertTrue(victim.awaitExit(Duration.ofSeconds(20)), "frozen server was fenced");
                }
                writeBacksAfterFailover = writeBacks.getAsDouble();
                await("write-backs after the failover",
                        () -> writeBacks.getAsDouble() >= writeBacksAfterFailover + WRITE_BACKS_AROUND_FAULT, failures);
            } finally {
                stop.set(true);
                for (Thread w : workers) {
                    w.join(TimeUnit.SECONDS.toMillis(60));
                }
            }
            if (!failures.isEmpty()) {
                fail("a worker failed: " + failures.get(0), failures.get(0));
            }
            for (Thread w : workers) {
                assertTrue(!w.isAlive(), w.getName() + " did not stop");
            }
            pool.assertInvariants();
            try {
                pool.sync(volume.name());
            } catch (Exception e) {
                throw new AssertionError("sync after failover threw " + e, e);
            }
            pool.assertInvariants();
            assertEquals(0.0, registry.get("hapager.bufferpool.pinned").gauge().value());
            assertEquals(0.0, registry.get("hapager.bufferpool.dirty").gauge().value());

            PageServerProcess survivor = pair.other(victim);
            assertTrue(survivor.isAlive(), "the other server survives");
            PagerClient fresh = pair.client(survivor.address());
            for (int p = 0; p < PAGES; p++) {
                ByteBuffer read = ByteBuffer.allocate(PAGE_SIZE);
                fresh.read(volume, p, read).orTimeout(30, TimeUnit.SECONDS).join();
                assertEquals(content(p, model.get(p)), read.clear(), "page " + p + " version " + model.get(p));
            }
            System.out.printf("[%s] modifications %d, write-backs %.0f (%.0f before the fault, %.0f by the failover), evictions %.0f%n",
                    fault, modifications.get(), writeBacks.getAsDouble(), writeBacksAtFault, writeBacksAfterFailover,
                    registry.get("hapager.bufferpool.evictions").counter().count());
            pool.close();
        }
    }

    /** Until stopped: mostly modify one of this thread's pages under an exclusive fix, sometimes read any page. */
    private static void work(BufferPool pool, Volume volume, AtomicLongArray model, int thread, Random random,
                             AtomicBoolean stop, AtomicLong modifications) throws Exception {
        long op = 0;
        while (!stop.get()) {
            if (op++ % 500 == 0) {
                pool.assertInvariants();
            }
            if (random.nextInt(100) < 20) {
                int p = random.nextInt(PAGES);
                try (PageHandle h = pool.fix(volume, p, Mode.SHARED)) {
                    check(h.buffer(), p, model.get(p), "shared fix");
                }
            } else {
                int p = random.nextInt(PAGES / THREADS) * THREADS + thread;
                try (PageHandle h = pool.fix(volume, p, Mode.EXCLUSIVE)) {
                    long version = model.get(p);
                    check(h.buffer(), p, version, "exclusive fix");
                    h.buffer().put(0, content(p, version + 1), 0, PAGE_SIZE);
                    h.markDirty();
                    model.set(p, version + 1);
                }
                modifications.incrementAndGet();
            }
        }
    }

    /** Waits (30 s) for {@code condition}; fails at once if a worker failed meanwhile. */
    private static void await(String what, BooleanSupplier condition, List<Throwable> failures) {
        Await.until(what, Duration.ofSeconds(30), () -> {
            if (!failures.isEmpty()) {
                throw new AssertionError("while awaiting " + what + ": a worker failed: " + failures.get(0), failures.get(0));
            }
            return condition.getAsBoolean();
        });
    }

    private static void check(ByteBuffer actual, int page, long version, String what) {
        if (!content(page, version).equals(actual.duplicate().clear())) {
            throw new AssertionError(what + ": page " + page + " differs from model version " + version);
        }
    }

    /** Version 0 is a page never written (zeros); version v > 0 a pattern of (page, v). */
    static ByteBuffer content(int page, long version) {
        ByteBuffer b = ByteBuffer.allocate(PAGE_SIZE);
        if (version > 0) {
            long x = (page + 7_919L) * 0x9E3779B97F4A7C15L + version;
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
