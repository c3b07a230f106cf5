package org.hapager.pager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hapager.server.process.PageServerProcess;
import org.hapager.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing a client while callers submit: whatever the timing, every call returns a future (no exception
 * escapes), every future completes exactly once, and every permit of the in-flight bound comes back.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PagerClientCloseTest {

    private static final int ROUNDS = 12;
    private static final int MAX_INFLIGHT = 4;
    private static final int WAITING_SUBMITTERS = 6;

    @TempDir
    Path dir;

    /**
     * The in-flight bound is full of writes to a frozen server and more callers wait for room when the client
     * closes: closing frees the permits, the waiting callers wake up and submit while the I/O thread shuts
     * down, the race that once let the executor's rejection escape and left futures that never completed.
     */
    @Test
    void submitsRacingCloseAllComplete() throws Exception {
        Path token = dir.resolve("token");
        try (PageServerProcess server = PageServerProcess.start(Files.createDirectories(dir.resolve("data")), token)) {
            for (int round = 0; round < ROUNDS; round++) {
                PagerClient client = PagerClient.connect(PagerConfig.builder().servers(server.address()).tokenFile(token)
                        .maxInflight(MAX_INFLIGHT).submitTimeout(Duration.ofSeconds(30))
                        .lease(Duration.ofSeconds(5)).failoverDeadline(Duration.ofSeconds(60)).build());
                Volume v = Volume.of("close/" + round + ".dat");
                client.create(v.name(), false).join();
                server.sigstop();
                List<CompletableFuture<Long>> futures = new ArrayList<>();
                ConcurrentLinkedQueue<Throwable> escaped = new ConcurrentLinkedQueue<>();
                for (int i = 0; i < MAX_INFLIGHT; i++) {
                    futures.add(client.write(v, i, ByteBuffer.allocate(4096)));
                }
                List<Thread> submitters = new ArrayList<>();
                ConcurrentLinkedQueue<CompletableFuture<Long>> late = new ConcurrentLinkedQueue<>();
                for (int i = 0; i < WAITING_SUBMITTERS; i++) {
                    long page = MAX_INFLIGHT + i;
                    Thread t = new Thread(() -> {
                        try {
                            late.add(client.write(v, page, ByteBuffer.allocate(4096)));
                        } catch (Throwable e) {
                            escaped.add(e);
                        }
                    }, "submitter-" + i);
                    t.start();
                    submitters.add(t);
                }
                awaitAllWaiting(submitters);
                client.close();
                for (Thread t : submitters) {
                    t.join(TimeUnit.SECONDS.toMillis(30));
                    assertTrue(!t.isAlive(), t.getName() + " still blocked in submit after close");
                }
                server.sigcont();
                assertTrue(escaped.isEmpty(), "round " + round + ": a submit threw instead of returning a failed future: " + escaped);
                futures.addAll(late);
                assertEquals(MAX_INFLIGHT + WAITING_SUBMITTERS, futures.size());
                for (CompletableFuture<Long> f : futures) {
                    try {
                        f.get(10, TimeUnit.SECONDS);
                    } catch (TimeoutException e) {
                        throw new AssertionError("round " + round + ": a future never completed after close", e);
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertEquals(PageIoException.Kind.REJECTED, ((PageIoException) e.getCause()).kind(), e.getCause().toString());
                    }
                }
                assertEquals(0, client.inflight(), "round " + round + ": permits leaked");
            }
        }
    }

    /** Until every submitter is parked waiting for room in flight. */
    private static void awaitAllWaiting(List<Thread> threads) {
        Await.until("every submitter to wait for room in flight",
                () -> threads.stream().allMatch(t -> t.getState() == Thread.State.TIMED_WAITING),
                () -> threads.stream().map(t -> t.getName() + " " + t.getState()).toList().toString());
    }
}
