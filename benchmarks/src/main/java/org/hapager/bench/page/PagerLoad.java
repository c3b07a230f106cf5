package org.hapager.bench.page;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.hapager.pager.PagerClient;
import org.hapager.pager.Volume;

/**
 * A closed loop keeping {@code queueDepth} requests in flight through one {@link PagerClient}: each
 * completion issues the next request from its callback, so no thread waits. Callbacks run on the client's
 * I/O thread, which is then the only writer of the recorder.
 */
final class PagerLoad {

    private final PagerClient client;
    private final Volume volume;
    private final long pages;
    private final boolean write;
    private final ByteBuffer[] slots;
    private final LatencyRecorder recorder = new LatencyRecorder();
    private final CountDownLatch finished;
    private volatile Throwable failure;
    private long measureFromNanos;
    private long endNanos;

    private PagerLoad(PagerClient client, Volume volume, long pages, boolean write, int queueDepth) {
        this.client = client;
        this.volume = volume;
        this.pages = pages;
        this.write = write;
        this.slots = new ByteBuffer[queueDepth];
        this.finished = new CountDownLatch(queueDepth);
        for (int i = 0; i < queueDepth; i++) {
            slots[i] = ByteBuffer.allocateDirect(volume.pageSize());
            if (write) {
                byte[] fill = new byte[volume.pageSize()];
                ThreadLocalRandom.current().nextBytes(fill);
                slots[i].put(fill).flip();
            }
        }
    }

    /** Runs {@code warmupNanos} unmeasured, then {@code measureNanos} measured. */
    static CellResult run(PagerClient client, Volume volume, long pages, boolean write, int queueDepth,
                          long warmupNanos, long measureNanos) throws InterruptedException {
        PagerLoad load = new PagerLoad(client, volume, pages, write, queueDepth);
        long start = System.nanoTime();
        load.measureFromNanos = start + warmupNanos;
        load.endNanos = load.measureFromNanos + measureNanos;
        for (int slot = 0; slot < queueDepth; slot++) {
            load.issue(slot);
        }
        if (!load.finished.await(warmupNanos + measureNanos + TimeUnit.SECONDS.toNanos(60), TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException("requests did not finish within a minute of the end of the run");
        }
        if (load.failure != null) {
            throw new IllegalStateException("a request failed during the run: " + load.failure, load.failure);
        }
        return CellResult.of("hapager", write ? "write" : "read", queueDepth, load.recorder, measureNanos / 1e9);
    }

    private void issue(int slot) {
        long page = ThreadLocalRandom.current().nextLong(pages);
        long issued = System.nanoTime();
        CompletableFuture<Long> f = write ? client.write(volume, page, slots[slot]) : client.read(volume, page, slots[slot]);
        f.whenComplete((length, error) -> {
            long now = System.nanoTime();
            if (error != null) {
                failure = error;
                finished.countDown();
                return;
            }
            if (issued >= measureFromNanos && issued < endNanos) {
                recorder.record(now - issued);
            }
            if (now < endNanos) {
                issue(slot);
            } else {
                finished.countDown();
            }
        });
    }
}
