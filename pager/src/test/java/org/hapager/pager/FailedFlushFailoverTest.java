package org.hapager.pager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import org.hapager.server.PageServerMain;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fsyncgate case with real processes: the primary's Nth group-commit force fails (fault point
 * {@code fail-force@N}) while several threads pipeline page writes. The primary must fence itself, answering none
 * of the writes whose durability depended on the failed force, and exit with
 * {@link PageServerMain#FENCED_EXIT_CODE}; the client reissues everything unacknowledged to the secondary, so
 * every write completes normally and every page reads back with the bytes last written to it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@ExtendWith(SeedExtension.class)
class FailedFlushFailoverTest {

    private static final int THREADS = 4;
    private static final int PAGES_PER_THREAD = 64;
    private static final int WRITES_PER_THREAD = 300;
    private static final int WINDOW = 32;
    /** Early enough to hit the primary under load, late enough that it has acknowledged writes before. */
    private static final int FAILING_FORCE = 8;

    @TempDir
    Path dir;

    @Test
    void aFailedForceFencesThePrimaryAndTheSecondaryTakesEveryWrite(Seed seed) throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ServerPair pair = new ServerPair(dir, List.of("--fault", "fail-force@" + FAILING_FORCE, "--warmup-ops", "0"),
                List.of("--warmup-ops", "0"));
             // a generous connect timeout and lease: the servers' first handshake runs cold on a busy machine; the lease
             // does not delay the failover here, since the fence closes the connections
             PagerClient client = PagerClient.connect(PagerConfig.builder().servers(pair.primary.address(),
                     pair.secondary.address()).tokenFile(pair.token).lease(Duration.ofSeconds(5))
                     .failoverDeadline(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(10)).meterRegistry(meters).build())) {
            Volume volume = Volume.of("fenced/pages.dat");
            client.create(volume.name(), false).join();

            byte[][] model = new byte[THREADS * PAGES_PER_THREAD][];
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int first = t * PAGES_PER_THREAD;
                Random random = new Random(seed.value() + t);
                Thread writer = new Thread(() -> {
                    try {
                        write(client, volume, first, random, model);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "writer-" + t);
                writers.add(writer);
                writer.start();
            }
            for (Thread w : writers) {
                w.join(TimeUnit.SECONDS.toMillis(90));
                assertTrue(!w.isAlive(), w.getName() + " did not finish within 90 s");
            }
            if (!failures.isEmpty()) {
                fail("a write failed although the secondary lived: " + failures.get(0), failures.get(0));
            }

            assertTrue(pair.primary.awaitExit(Duration.ofSeconds(20)), () -> "the primary did not exit after fencing itself; output:\n"
                    + pair.primary.output());
            pair.primary.awaitOutput(Pattern.compile("ERROR .*page server exits with " + PageServerMain.FENCED_EXIT_CODE
                    + ": fenced after a failed flush .*"), Duration.ofSeconds(5));
            // The secondary may take the reservation while the fenced primary's JVM is still exiting; then its fence
            // command (kill -KILL) ends the process first, which PageServer's javadoc allows ("or the taker fences it").
            if (pair.primary.exitCode() != PageServerMain.FENCED_EXIT_CODE) {
                assertEquals(137, pair.primary.exitCode(), "the fenced primary ended by neither its exit nor the taker's fence:\n"
                        + pair.primary.output());
                pair.secondary.awaitOutput(Pattern.compile("WARN .*did not yield the reservation: .*; fencing it with .*"),
                        Duration.ofSeconds(5));
            }
            MatchResult fenceLine = pair.primary.awaitOutput(Pattern.compile("ERROR .*FENCED: page server \\S+ stops serving: force of volume "
                    + Pattern.quote(volume.name()) + " \\(file \\S+\\) failed: java.io.IOException: Input/output error"
                    + " \\(test fault point fail-force@" + FAILING_FORCE + "\\).*"), Duration.ofSeconds(5));
            System.out.println("primary's fence line: " + fenceLine.group());
            assertEquals(pair.secondary.address(), client.currentServer(), "the client failed over to the secondary");
            double reissued = meters.find("hapager.pager.reissues").counters().stream().mapToDouble(Counter::count).sum();
            assertTrue(reissued > 0, "the fence caught writes in flight, and they were reissued");
            assertEquals(1, meters.get("hapager.pager.failovers").counter().count(), "one failover");

            for (int page = 0; page < model.length; page++) {
                if (model[page] != null) {
                    ByteBuffer data = client.read(volume, page, 1).orTimeout(30, TimeUnit.SECONDS).join().data();
                    byte[] actual = new byte[data.remaining()];
                    data.duplicate().get(actual);
                    assertArrayEquals(model[page], actual, "page " + page);
                }
            }
            client.checkInvariants();
            assertEquals(0, client.inflight());
        }
    }

    /**
     * Pipelines {@link #WRITES_PER_THREAD} writes of random bytes to this thread's pages, at most {@link #WINDOW}
     * outstanding, and records the bytes last written to each page once every write has completed.
     */
    private static void write(PagerClient client, Volume volume, int firstPage, Random random, byte[][] model) {
        ArrayDeque<CompletableFuture<Long>> outstanding = new ArrayDeque<>();
        byte[][] latest = new byte[PAGES_PER_THREAD][];
        for (int i = 0; i < WRITES_PER_THREAD; i++) {
            int index = random.nextInt(PAGES_PER_THREAD);
            byte[] bytes = new byte[volume.pageSize()];
            random.nextBytes(bytes);
            latest[index] = bytes;
            outstanding.addLast(client.write(volume, firstPage + index, ByteBuffer.wrap(bytes)));
            while (outstanding.size() >= WINDOW) {
                outstanding.pollFirst().orTimeout(60, TimeUnit.SECONDS).join();
            }
        }
        while (!outstanding.isEmpty()) {
            outstanding.pollFirst().orTimeout(60, TimeUnit.SECONDS).join();
        }
        for (int i = 0; i < PAGES_PER_THREAD; i++) {
            model[firstPage + i] = latest[i]; // each thread fills its own slots; join() publishes them
        }
    }
}
