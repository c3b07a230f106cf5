package org.hapager.pager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
 * Several threads pipeline random page reads and writes while the server they use is killed (kill -9) or
 * frozen (SIGSTOP) again and again, and restarted as the new secondary. Checked against a model of every
 * page: no acknowledged write is lost, every read returns the latest write submitted before it, and no
 * caller ever sees an error while one server lives.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@ExtendWith(SeedExtension.class)
class FailoverWorkloadTest {

    private static final int THREADS = 3;
    private static final int PAGES_PER_THREAD = 32;
    private static final int WINDOW = 16;
    private static final int FAULTS = Integer.getInteger("hapager.failover.faults", 3);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kill9", "sigstop"})
    void randomWorkloadSurvivesRepeatedFailover(String fault, Seed seed) throws Exception {
        try (ServerPair pair = new ServerPair(dir)) {
            PagerClient client = pair.client(Duration.ofMillis(500), Duration.ofSeconds(30));
            Volume volume = Volume.of("load/pages.dat");
            client.create(volume.name(), false).join();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong completed = new AtomicLong();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            ConcurrentHashMap<Integer, byte[]> finalModel = new ConcurrentHashMap<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Worker w = new Worker(client, volume, t * PAGES_PER_THREAD, new Random(seed.value() + t), stop, completed, finalModel);
                Thread thread = new Thread(() -> {
                    try {
                        w.run();
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "workload-" + t);
                workers.add(thread);
                thread.start();
            }
            try {
                for (int round = 0; round < FAULTS && failures.isEmpty(); round++) {
                    awaitProgress(completed, 200, failures);
                    PageServerProcess victim = pair.at(client.currentServer());
                    if (fault.equals("kill9")) {
                        victim.kill9();
                    } else {
                        victim.sigstop();
                    }
                    awaitServerOtherThan(client, victim.address());
                    if (fault.equals("sigstop")) {
                        // the new server took the reservation by fencing the frozen one (default: kill it)
                        assertTrue(victim.awaitExit(Duration.ofSeconds(20)), "frozen server was fenced");
                    }
                    pair.restart(victim); // comes back as the secondary
                }
                awaitProgress(completed, 200, failures);
            } finally {
                stop.set(true);
                for (Thread t : workers) {
                    t.join(TimeUnit.SECONDS.toMillis(60));
                }
            }
            if (!failures.isEmpty()) {
                fail("a worker failed: " + failures.get(0), failures.get(0));
            }
            for (var e : finalModel.entrySet()) {
                byte[] actual = bytes(client.read(volume, e.getKey(), 1).orTimeout(30, TimeUnit.SECONDS).join().data());
                assertArrayEquals(e.getValue(), actual, "page " + e.getKey() + " after every fault");
            }
            client.checkInvariants();
            assertEquals(0, client.inflight());
        }
    }

    /** One thread's pages, pipelined reads and writes, and the model of its pages. */
    private record Worker(PagerClient client, Volume volume, int firstPage, Random random, AtomicBoolean stop,
                          AtomicLong completed, ConcurrentHashMap<Integer, byte[]> finalModel) {
        void run() {
            byte[][] model = new byte[PAGES_PER_THREAD][];
            ArrayDeque<Runnable> checks = new ArrayDeque<>();
            long step = 0;
            while (!stop.get()) {
                int index = random.nextInt(PAGES_PER_THREAD);
                int page = firstPage + index;
                long at = step++;
                if (model[index] == null || random.nextInt(10) < 6) {
                    byte[] bytes = new byte[volume.pageSize()];
                    random.nextBytes(bytes);
                    model[index] = bytes;
                    CompletableFuture<Long> f = client.write(volume, page, ByteBuffer.wrap(bytes));
                    checks.addLast(() -> f.orTimeout(60, TimeUnit.SECONDS).join());
                } else {
                    byte[] expected = model[index];
                    CompletableFuture<PageRead> f = client.read(volume, page, 1);
                    checks.addLast(() -> {
                        byte[] actual = bytes(f.orTimeout(60, TimeUnit.SECONDS).join().data());
                        if (!Arrays.equals(expected, actual)) {
                            throw new AssertionError("step " + at + ": page " + page + " differs from the latest write submitted before the read");
                        }
                    });
                }
                while (checks.size() >= WINDOW) {
                    checks.pollFirst().run();
                    completed.incrementAndGet();
                }
            }
            while (!checks.isEmpty()) {
                checks.pollFirst().run();
                completed.incrementAndGet();
            }
            for (int i = 0; i < PAGES_PER_THREAD; i++) {
                if (model[i] != null) {
                    finalModel.put(firstPage + i, model[i]);
                }
            }
        }
    }

    private static void awaitProgress(AtomicLong completed, long operations, List<Throwable> failures) {
        long target = completed.get() + operations;
        Await.until(operations + " more operations", Duration.ofSeconds(60),
                () -> completed.get() >= target || !failures.isEmpty(), () -> completed.get() + " of " + target);
    }

    private static void awaitServerOtherThan(PagerClient client, java.net.InetSocketAddress old) {
        Await.until("the client to fail over from " + old, Duration.ofSeconds(30), () -> {
            java.net.InetSocketAddress now = client.currentServer();
            return now != null && !now.equals(old);
        });
    }

    static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
