package org.hapager.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.BufferPoolConfig;
import org.hapager.bufferpool.memory.PagedMemory;
import org.hapager.pager.PagerClient;
import org.hapager.pager.PagerConfig;
import org.hapager.pager.Volume;
import org.hapager.server.process.PageServerProcess;

/**
 * Paged memory random 8-byte reads over a region 10× the pool, against the raw page-read rate of the same
 * page server, measured side by side in one run (issue 5). Starts its own page server over a temporary
 * directory.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar org.hapager.bench.PagedMemoryBench [--seconds S]
 * [--threads 1,4] [--pool-mib 16] [--out bench-results/paged-memory.json]}
 */
public final class PagedMemoryBench {

    private static final int PAGE = 4096;

    private PagedMemoryBench() {
    }

    record Cell(String kind, int threads, double opsPerSecond, double hitRatio) {
        String json() {
            return String.format(Locale.ROOT, "{\"kind\": \"%s\", \"threads\": %d, \"ops_per_second\": %.1f, \"hit_ratio\": %s}",
                    kind, threads, opsPerSecond, Double.isNaN(hitRatio) ? "null" : String.format(Locale.ROOT, "%.4f", hitRatio));
        }
    }

    public static void main(String[] args) throws Exception {
        double seconds = 5;
        int[] threadCounts = {1, 4};
        long poolMib = 16;
        Path out = Path.of("bench-results/paged-memory.json");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--threads" -> threadCounts = java.util.Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--pool-mib" -> poolMib = Long.parseLong(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> {
                    System.err.println("PagedMemoryBench: unknown argument " + args[i]
                            + " (expected --seconds S, --threads 1,4, --pool-mib N, --out FILE)");
                    System.exit(2);
                }
            }
        }
        long poolBytes = poolMib << 20;
        long memoryBytes = 10 * poolBytes;
        long pages = memoryBytes / PAGE;
        Path dir = Files.createTempDirectory("hapager-pmbench");
        List<Cell> cells = new ArrayList<>();
        try (PageServerProcess server = PageServerProcess.start(dir.resolve("data"), dir.resolve("token"));
             PagerClient pager = PagerClient.connect(PagerConfig.builder().servers(server.address())
                     .tokenFile(dir.resolve("token")).build())) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            BufferPool pool = new BufferPool(pager, new BufferPoolConfig(poolBytes, PAGE, Duration.ofSeconds(30), registry));
            System.out.printf(Locale.ROOT, "pool %d MiB, paged memory %d MiB (%d pages) on %s; filling…%n",
                    poolMib, memoryBytes >> 20, pages, server.address());
            try (PagedMemory mem = PagedMemory.open(pool, pager, "bench/swap", memoryBytes)) {
                byte[] chunk = new byte[1 << 20];
                new SplittableRandom(1).nextBytes(chunk);
                for (long off = 0; off < memoryBytes; off += chunk.length) {
                    mem.put(off, chunk);
                }
                mem.sync();
                Volume volume = Volume.of("bench/swap", PAGE);
                for (int threads : threadCounts) {
                    run(seconds / 5, threads, r -> readPage(pager, volume, r.nextLong(pages))); // warm-up
                    cells.add(print(new Cell("raw page read", threads,
                            run(seconds, threads, r -> readPage(pager, volume, r.nextLong(pages))), Double.NaN)));
                    run(seconds / 5, threads, r -> mem.getLong(r.nextLong(memoryBytes / 8) * 8));
                    double hits0 = registry.get("hapager.bufferpool.hits").counter().count();
                    double misses0 = registry.get("hapager.bufferpool.misses").counter().count();
                    double rate = run(seconds, threads, r -> mem.getLong(r.nextLong(memoryBytes / 8) * 8));
                    double hits = registry.get("hapager.bufferpool.hits").counter().count() - hits0;
                    double misses = registry.get("hapager.bufferpool.misses").counter().count() - misses0;
                    cells.add(print(new Cell("paged memory getLong", threads, rate, hits / (hits + misses))));
                }
            } finally {
                pool.close();
            }
        }
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            w.printf(Locale.ROOT, "{%n  \"bench\": \"paged-memory\",%n  \"pool_bytes\": %d,%n  \"memory_bytes\": %d,%n"
                    + "  \"page_size\": %d,%n  \"seconds\": %.1f,%n  \"cells\": [%n    %s%n  ]%n}%n", poolBytes, memoryBytes, PAGE,
                    seconds, String.join(",\n    ", cells.stream().map(Cell::json).toList()));
        }
        System.out.println("results: " + out.toAbsolutePath());
        deleteTree(dir);
    }

    private static void readPage(PagerClient pager, Volume volume, long page) {
        pager.read(volume, page, ByteBuffer.allocate(PAGE)).join();
    }

    interface Op {
        void run(SplittableRandom rnd) throws Exception;
    }

    /** Runs {@code op} on {@code threads} threads for {@code seconds}; returns operations per second. */
    private static double run(double seconds, int threads, Op op) throws InterruptedException {
        LongAdder done = new LongAdder();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            SplittableRandom rnd = new SplittableRandom(42 + t);
            Thread w = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        op.run(rnd);
                        done.increment();
                    }
                } catch (Exception e) {
                    failures.add(e);
                }
            });
            w.start();
            workers.add(w);
        }
        for (Thread w : workers) {
            w.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("benchmark operation failed", failures.get(0));
        }
        return done.sum() / ((System.nanoTime() - start) / 1e9);
    }

    private static Cell print(Cell c) {
        System.out.printf(Locale.ROOT, "%-22s threads %d: %10.0f ops/s%s%n", c.kind(), c.threads(), c.opsPerSecond(),
                Double.isNaN(c.hitRatio()) ? "" : String.format(Locale.ROOT, "   (pool hit ratio %.3f)", c.hitRatio()));
        return c;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
