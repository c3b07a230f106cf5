package org.hapager.cli.demo;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.hapager.pager.PageRead;
import org.hapager.pager.PagerClient;
import org.hapager.pager.Volume;

/**
 * One workload thread: random writes and reads of its own {@value #PAGES} pages, up to {@value #WINDOW} in
 * flight, with a model of its pages updated at submission (the client applies conflicting requests in
 * submission order), so every read has exactly one right answer.
 */
final class PageWorker implements Runnable {

    static final int PAGES = 64;
    private static final int WINDOW = 16;

    private final PagerClient client;
    private final Volume volume;
    private final int firstPage;
    private final SplittableRandom random;
    private final AtomicBoolean stop;
    private final byte[][] model = new byte[PAGES][];
    private final Recorder latency = new Recorder(3);
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile String firstError;

    PageWorker(PagerClient client, Volume volume, int firstPage, long seed, AtomicBoolean stop) {
        this.client = client;
        this.volume = volume;
        this.firstPage = firstPage;
        this.random = new SplittableRandom(seed);
        this.stop = stop;
    }

    @Override
    public void run() {
        ArrayDeque<Pending> window = new ArrayDeque<>();
        while (!stop.get()) {
            int index = random.nextInt(PAGES);
            long issued = System.nanoTime();
            if (model[index] == null || random.nextInt(10) < 6) {
                byte[] bytes = new byte[volume.pageSize()];
                random.nextBytes(bytes);
                model[index] = bytes;
                window.addLast(new Pending(client.write(volume, firstPage + index, ByteBuffer.wrap(bytes)), null, index, issued));
            } else {
                window.addLast(new Pending(client.read(volume, firstPage + index, 1), model[index], index, issued));
            }
            while (window.size() >= WINDOW) {
                check(window.pollFirst());
            }
        }
        while (!window.isEmpty()) {
            check(window.pollFirst());
        }
    }

    private record Pending(CompletableFuture<?> future, byte[] expected, int index, long issued) {
    }

    private void check(Pending p) {
        try {
            Object value = p.future.orTimeout(60, TimeUnit.SECONDS).join();
            latency.recordValue(Math.max(1, System.nanoTime() - p.issued));
            if (p.expected != null && !Arrays.equals(p.expected, bytes(((PageRead) value).data()))) {
                fail("page " + (firstPage + p.index) + " read back differs from its latest write");
            }
            completed.incrementAndGet();
        } catch (RuntimeException e) {
            fail(e.getCause() != null ? e.getCause().toString() : e.toString());
        }
    }

    private void fail(String what) {
        errors.incrementAndGet();
        if (firstError == null) {
            firstError = what;
        }
    }

    /** Reads back every page this worker wrote; returns {pages checked, pages that differ}. Call after run. */
    long[] verifyAll() {
        long checked = 0;
        long differ = 0;
        for (int i = 0; i < PAGES; i++) {
            if (model[i] != null) {
                checked++;
                byte[] actual = bytes(client.read(volume, firstPage + i, 1).orTimeout(60, TimeUnit.SECONDS).join().data());
                if (!Arrays.equals(model[i], actual)) {
                    differ++;
                }
            }
        }
        return new long[] {checked, differ};
    }

    Histogram takeInterval() {
        return latency.getIntervalHistogram();
    }

    long completed() {
        return completed.get();
    }

    long errors() {
        return errors.get();
    }

    String firstError() {
        return firstError;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
