package org.hapager.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.hapager.bench.sim.BeladyReplay;
import org.hapager.bench.sim.BufferPoolReplay;
import org.hapager.bench.sim.CacheReplay;
import org.hapager.bench.sim.CaffeineReplay;
import org.hapager.bench.sim.LruReplay;
import org.hapager.bench.trace.Trace;
import org.hapager.bench.trace.TraceGenerator;
import org.hapager.bench.trace.TraceSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Hit ratio of the real {@code BufferPool} on a seeded Zipf-plus-scans trace ({@link TraceSpec} documents the
 * mix) at several pool sizes, next to plain LRU, Belady's offline optimum and a plain Caffeine cache replayed
 * over the same trace. Prints a table and writes JSON. Aims (issue 5): pool ≥ LRU + 5 points and pool ≥ 0.9 ×
 * Belady at every size.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar org.hapager.bench.HitRatioBench --out bench-results/hit-ratio.json</pre>
 */
@Command(name = "hit-ratio", mixinStandardHelpOptions = true,
        description = {"Buffer-pool hit ratio on a seeded Zipf(0.99) + sequential-scan trace,",
                "against LRU, Belady's optimum (offline) and a plain Caffeine cache on the same trace."})
public final class HitRatioBench implements Callable<Integer> {

    static final double AIM_POINTS_OVER_LRU = 5.0;
    static final double AIM_FRACTION_OF_BELADY = 0.9;

    @Option(names = "--pages", defaultValue = "100000", description = "distinct pages (default: ${DEFAULT-VALUE})")
    int pages;

    @Option(names = "--accesses", defaultValue = "2000000", description = "trace length (default: ${DEFAULT-VALUE})")
    int accesses;

    @Option(names = "--seed", defaultValue = "20261125", description = "trace seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--scan-start-probability", description = "chance that a scan starts after a Zipf access outside a scan;"
            + " 0: no scans (default: 1/9000 at 100,000 pages, scaled with --pages)")
    Double scanStartProbability;

    @Option(names = "--pool-percent", defaultValue = "1,5,20", split = ",",
            description = "pool sizes in percent of the pages (default: ${DEFAULT-VALUE})")
    List<Double> poolPercents;

    @Option(names = "--page-size", defaultValue = "4096", description = "pool page size in bytes (default: ${DEFAULT-VALUE})")
    int pageSize;

    @Option(names = "--out", defaultValue = "bench-results/hit-ratio.json", description = "JSON results (default: ${DEFAULT-VALUE})")
    Path out;

    record Row(double poolPercent, int frames, double pool, double lru, double belady, double caffeine, double poolSeconds,
               double poolReadAhead, long prefetchReads) {

        double pointsOverLru() {
            return 100 * (pool - lru);
        }

        double fractionOfBelady() {
            return pool / belady;
        }

        boolean lruAimMet() {
            return pointsOverLru() >= AIM_POINTS_OVER_LRU;
        }

        boolean beladyAimMet() {
            return fractionOfBelady() >= AIM_FRACTION_OF_BELADY;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new HitRatioBench()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        TraceSpec spec = TraceSpec.defaults(seed).scaledTo(pages, accesses);
        if (scanStartProbability != null) {
            spec = spec.withScanStartProbability(scanStartProbability);
        }
        long t0 = System.nanoTime();
        Trace trace = TraceGenerator.generate(spec);
        System.out.printf(Locale.ROOT, "trace: %,d accesses over %,d pages (%,d touched), Zipf(%.2f) over a random permutation;"
                        + " %d scans of %,d-%,d pages, %.1f %% of accesses (seed %d, %.1f s)%n",
                trace.length(), spec.pages(), trace.distinctPages(), spec.zipfExponent(), trace.scans(),
                spec.scanMinPages(), spec.scanMaxPages(), 100 * trace.scanShare(), seed, seconds(t0));

        CacheReplay pool = BufferPoolReplay.demandPaging(pageSize);
        BufferPoolReplay poolReadAhead = BufferPoolReplay.withDefaults(pageSize);
        List<CacheReplay> references = List.of(new LruReplay(), new BeladyReplay(), new CaffeineReplay());
        List<Row> rows = new ArrayList<>();
        for (double percent : poolPercents) {
            int frames = Math.max(1, (int) Math.round(spec.pages() * percent / 100));
            double[] ratio = new double[references.size()];
            for (int i = 0; i < references.size(); i++) {
                long t = System.nanoTime();
                ratio[i] = (double) references.get(i).hits(trace.pages(), spec.pages(), frames) / trace.length();
                System.out.printf(Locale.ROOT, "  %5.1f %% (%,d frames) %-8s %.4f  (%.1f s)%n",
                        percent, frames, references.get(i).name(), ratio[i], seconds(t));
            }
            long t = System.nanoTime();
            double poolRatio = (double) pool.hits(trace.pages(), spec.pages(), frames) / trace.length();
            double poolSeconds = seconds(t);
            System.out.printf(Locale.ROOT, "  %5.1f %% (%,d frames) %-8s %.4f  (%.1f s)%n", percent, frames, pool.name(), poolRatio, poolSeconds);
            t = System.nanoTime();
            double readAheadRatio = (double) poolReadAhead.hits(trace.pages(), spec.pages(), frames) / trace.length();
            System.out.printf(Locale.ROOT, "  %5.1f %% (%,d frames) %-8s %.4f  (%,d prefetch reads; %.1f s)%n", percent, frames,
                    poolReadAhead.name(), readAheadRatio, poolReadAhead.lastPrefetchReads(), seconds(t));
            rows.add(new Row(percent, frames, poolRatio, ratio[0], ratio[1], ratio[2], poolSeconds, readAheadRatio,
                    poolReadAhead.lastPrefetchReads()));
        }
        System.out.println();
        System.out.print(table(rows));
        writeJson(trace, rows);
        System.out.println("JSON: " + out);
        return 0;
    }

    static String table(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        b.append("| pool size | frames | pool | LRU | Belady | Caffeine | pool − LRU (points) | pool / Belady | aims (≥ LRU + 5, ≥ 0.9 × Belady) | pool + read-ahead |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "| %s %% | %,d | %.4f | %.4f | %.4f | %.4f | %+.1f | %.3f | %s, %s | %.4f |%n",
                    percentText(r.poolPercent()), r.frames(), r.pool(), r.lru(), r.belady(), r.caffeine(),
                    r.pointsOverLru(), r.fractionOfBelady(), r.lruAimMet() ? "met" : "not met", r.beladyAimMet() ? "met" : "not met",
                    r.poolReadAhead()));
        }
        return b.toString();
    }

    private void writeJson(Trace trace, List<Row> rows) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        TraceSpec s = trace.spec();
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            w.printf(Locale.ROOT, "{%n  \"benchmark\": \"hit-ratio\",%n  \"date\": \"%s\",%n", Instant.now());
            w.printf(Locale.ROOT, "  \"machine\": {\"cores\": %d, \"java\": \"%s\", \"os\": \"%s %s\"},%n",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                    System.getProperty("os.name"), System.getProperty("os.version"));
            w.printf(Locale.ROOT, "  \"trace\": {\"pages\": %d, \"accesses\": %d, \"seed\": %d, \"zipf_exponent\": %s,"
                            + " \"zipf_order\": \"random permutation of page ids\", \"scan_min_pages\": %d, \"scan_max_pages\": %d,"
                            + " \"scan_interleave\": %s, \"scan_start_probability\": %s, \"scans\": %d, \"scan_accesses\": %d,"
                            + " \"scan_share\": %.4f, \"distinct_pages\": %d},%n",
                    s.pages(), s.accesses(), s.seed(), s.zipfExponent(), s.scanMinPages(), s.scanMaxPages(), s.scanInterleave(),
                    s.scanStartProbability(), trace.scans(), trace.scanAccesses(), trace.scanShare(), trace.distinctPages());
            w.printf(Locale.ROOT, "  \"method\": \"every replay starts cold and counts every access; pool: real BufferPool over in-memory"
                    + " page I/O with read-ahead off (demand paging), each access fixed SHARED and closed at once, hits and misses"
                    + " from its Micrometer counters; pool_readahead: the same with the default read-ahead (a first fix of a"
                    + " prefetched page is a hit); belady: MIN without bypass; caffeine: plain Caffeine cache (getIfPresent, put on miss)\",%n");
            w.printf(Locale.ROOT, "  \"page_size\": %d,%n", pageSize);
            w.printf(Locale.ROOT, "  \"aims\": {\"pool_minus_lru_points\": %.1f, \"pool_over_belady\": %.2f},%n",
                    AIM_POINTS_OVER_LRU, AIM_FRACTION_OF_BELADY);
            w.printf("  \"sizes\": [%n    %s%n  ]%n}%n", rows.stream().map(r -> String.format(Locale.ROOT,
                    "{\"pool_percent\": %s, \"frames\": %d, \"pool\": %.5f, \"lru\": %.5f, \"belady\": %.5f, \"caffeine\": %.5f,"
                            + " \"pool_minus_lru_points\": %.2f, \"pool_over_belady\": %.4f, \"caffeine_minus_pool_points\": %.2f,"
                            + " \"aim_lru_met\": %b, \"aim_belady_met\": %b, \"pool_replay_seconds\": %.2f,"
                            + " \"pool_readahead\": %.5f, \"pool_readahead_prefetch_reads\": %d}",
                    percentText(r.poolPercent()), r.frames(), r.pool(), r.lru(), r.belady(), r.caffeine(), r.pointsOverLru(),
                    r.fractionOfBelady(), 100 * (r.caffeine() - r.pool()), r.lruAimMet(), r.beladyAimMet(), r.poolSeconds(),
                    r.poolReadAhead(), r.prefetchReads()))
                    .collect(Collectors.joining(",\n    ")));
        }
    }

    private static String percentText(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
