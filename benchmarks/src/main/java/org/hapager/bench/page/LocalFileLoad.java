package org.hapager.bench.page;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The baseline: the same file read and written in this process with positional {@link FileChannel} I/O,
 * {@code queueDepth} threads each keeping one operation going. A write is {@code pwrite} then
 * {@code fdatasync} ({@code force(false)}), the durable write without group commit.
 */
final class LocalFileLoad {

    private LocalFileLoad() {
    }

    static CellResult run(Path file, int pageSize, long pages, boolean write, int queueDepth,
                          long warmupNanos, long measureNanos) throws IOException, InterruptedException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long start = System.nanoTime();
            long measureFrom = start + warmupNanos;
            long end = measureFrom + measureNanos;
            List<Thread> threads = new ArrayList<>();
            List<LatencyRecorder> recorders = new ArrayList<>();
            IOException[] failure = new IOException[1];
            for (int t = 0; t < queueDepth; t++) {
                LatencyRecorder recorder = new LatencyRecorder();
                recorders.add(recorder);
                Thread thread = new Thread(() -> {
                    ByteBuffer buffer = ByteBuffer.allocateDirect(pageSize);
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    try {
                        long now = System.nanoTime();
                        while (now < end) {
                            long position = random.nextLong(pages) * pageSize;
                            buffer.clear();
                            if (write) {
                                channel.write(buffer, position);
                                channel.force(false);
                            } else {
                                channel.read(buffer, position);
                            }
                            long done = System.nanoTime();
                            if (now >= measureFrom) {
                                recorder.record(done - now);
                            }
                            now = done;
                        }
                    } catch (IOException e) {
                        synchronized (failure) {
                            failure[0] = e;
                        }
                    }
                }, "local-" + (write ? "write" : "read") + "-" + t);
                threads.add(thread);
                thread.start();
            }
            for (Thread thread : threads) {
                thread.join();
            }
            synchronized (failure) {
                if (failure[0] != null) {
                    throw failure[0];
                }
            }
            LatencyRecorder total = new LatencyRecorder();
            recorders.forEach(total::add);
            return CellResult.of("local", write ? "write" : "read", queueDepth, total, measureNanos / 1e9);
        }
    }
}
