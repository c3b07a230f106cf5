package org.hapager.bench.page;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hapager.cli.AddedCommand;
import org.hapager.cli.SharedOptions;
import org.hapager.pager.PagerClient;
import org.hapager.pager.PagerConfig;
import org.hapager.pager.Volume;
import org.hapager.server.process.PageServerProcess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hapager bench}: see the package documentation. Prints one line per measured cell and writes
 * every cell, the settings and the ratios to a JSON file.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Random page reads and writes through hapager (client + one page server on loopback),",
                "with local FileChannel I/O on the same file and a bare loopback round trip as baselines.",
                "Writes count when durable: hapager group-commits fdatasync; the local baseline syncs each write.",
                "The results go to " + PageIoBench.RESULTS + " unless --json names another file."})
public final class PageIoBench implements Callable<Integer>, AddedCommand {

    private static final String VOLUME = "bench/pages.dat";

    /** Where the results go unless {@code --json} says otherwise. */
    static final String RESULTS = "bench-results/page-io.json";

    /** The page server's; with --server, the running server's, for the local baseline. Temporary ones are removed. */
    @Mixin
    SharedOptions.Data data;

    @Option(names = "--server", description = "use a running page server HOST:PORT instead of launching one"
            + " (the local baseline runs only if --data names its data directory)")
    String server;

    @Option(names = "--token-file", description = "token file of the --server (default: DATA/bench.token)")
    Path tokenFile;

    @Option(names = "--volume-mib", defaultValue = "64", description = "size of the benchmark volume in MiB (default: ${DEFAULT-VALUE})")
    int volumeMib;

    @Option(names = "--page-size", defaultValue = "4096", description = "page size in bytes (default: ${DEFAULT-VALUE})")
    int pageSize;

    @Option(names = "--queue-depths", defaultValue = "1,8,64", split = ",", description = "queue depths to measure (default: ${DEFAULT-VALUE})")
    List<Integer> queueDepths;

    @Option(names = "--ops", defaultValue = "read,write", split = ",", description = "operations: read, write (default: ${DEFAULT-VALUE})")
    List<String> ops;

    @Option(names = "--seconds", defaultValue = "5", description = "measured seconds per cell (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--warmup-seconds", defaultValue = "1", description = "unmeasured seconds before each cell (default: ${DEFAULT-VALUE})")
    double warmupSeconds;

    @Option(names = "--jit-warmup-seconds", defaultValue = "6", description = "unmeasured reads and writes at QD8 before"
            + " the first cell, so both JVMs have compiled the hot paths (default: ${DEFAULT-VALUE})")
    double jitWarmupSeconds;

    @Mixin
    SharedOptions.Json results = new SharedOptions.Json(RESULTS);

    @Override
    public Integer call() throws Exception {
        for (String op : ops) {
            if (!op.equals("read") && !op.equals("write")) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "unknown op '" + op + "' (expected: read, write)");
            }
        }
        Volume volume = Volume.of(VOLUME, pageSize);
        long pages = (long) volumeMib * 1024 * 1024 / pageSize;
        long warmup = (long) (warmupSeconds * 1e9);
        long measure = (long) (seconds * 1e9);
        boolean temporary = data.directory() == null && server == null;
        Path dataDir = temporary ? Files.createTempDirectory("hapager-bench") : data.directory();
        Path token = tokenFile != null ? tokenFile : dataDir.resolve("bench.token");
        List<CellResult> cells = new ArrayList<>();
        try (PageServerProcess launched = server == null ? PageServerProcess.start(dataDir, token) : null;
             PagerClient client = PagerClient.connect(PagerConfig.builder()
                     .servers(launched != null ? launched.address() : parseAddress(server))
                     .tokenFile(token).maxInflight(256).build())) {
            System.out.printf(Locale.ROOT, "page server %s, volume %s of %d MiB (%d pages of %d bytes)%n",
                    client.config().servers().get(0), VOLUME, volumeMib, pages, pageSize);
            prefill(client, volume, pages);
            System.out.printf(Locale.ROOT, "warming up for %.0f s…%n", jitWarmupSeconds);
            long half = (long) (jitWarmupSeconds * 1e9 / 2);
            PagerLoad.run(client, volume, pages, false, 8, half, 0);
            PagerLoad.run(client, volume, pages, true, 8, half, 0);
            Path file = dataDir == null ? null : dataDir.resolve("volumes").resolve(VOLUME);
            for (String op : ops) {
                boolean write = op.equals("write");
                for (int qd : queueDepths) {
                    cells.add(print(PagerLoad.run(client, volume, pages, write, qd, warmup, measure)));
                    if (file != null) {
                        cells.add(print(LocalFileLoad.run(file, pageSize, pages, write, qd, warmup, measure)));
                    }
                }
            }
            cells.add(print(LoopbackPing.run(warmup, measure)));
        } finally {
            if (temporary) {
                deleteTree(dataDir);
            }
        }
        writeJson(cells);
        System.out.println();
        summary(cells).forEach(System.out::println);
        System.out.println("results: " + results.file().toAbsolutePath());
        return 0;
    }

    private static java.net.InetSocketAddress parseAddress(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("--server " + hostPort + " (expected: HOST:PORT)");
        }
        return new java.net.InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static void prefill(PagerClient client, Volume volume, long pages) {
        System.out.printf(Locale.ROOT, "prefilling %d pages…%n", pages);
        client.create(volume.name(), false).join();
        int runPages = Math.max(1, 256 * 1024 / volume.pageSize());
        byte[] run = new byte[runPages * volume.pageSize()];
        ThreadLocalRandom.current().nextBytes(run);
        List<CompletableFuture<Long>> inflight = new ArrayList<>();
        for (long page = 0; page < pages; page += runPages) {
            int count = (int) Math.min(runPages, pages - page);
            inflight.add(client.write(volume, page, ByteBuffer.wrap(run, 0, count * volume.pageSize())));
            if (inflight.size() == 16) {
                inflight.remove(0).join();
            }
        }
        inflight.forEach(CompletableFuture::join);
    }

    private static CellResult print(CellResult cell) {
        System.out.println(cell.line());
        return cell;
    }

    /** The ratios the README and BENCHMARKS.md quote. */
    private static List<String> summary(List<CellResult> cells) {
        List<String> lines = new ArrayList<>();
        for (CellResult h : cells) {
            if (!h.system().equals("hapager")) {
                continue;
            }
            find(cells, "local", h.op(), h.queueDepth()).ifPresent(l -> lines.add(String.format(Locale.ROOT,
                    "%-5s QD%-3d hapager/local IOPS %.2f", h.op(), h.queueDepth(), h.iops() / l.iops())));
        }
        CellResult rtt = cells.stream().filter(c -> c.system().equals("loopback")).findFirst().orElse(null);
        find(cells, "hapager", "read", 1).ifPresent(r -> {
            if (rtt != null) {
                lines.add(String.format(Locale.ROOT, "read  QD1  p50 %.1f µs = %.2f × bare loopback round trip p50 %.1f µs",
                        r.p50Micros(), r.p50Micros() / rtt.p50Micros(), rtt.p50Micros()));
            }
        });
        find(cells, "local", "write", 1).ifPresent(single -> cells.stream()
                .filter(c -> c.system().equals("hapager") && c.op().equals("write"))
                .max(Comparator.comparingInt(CellResult::queueDepth))
                .ifPresent(h -> lines.add(String.format(Locale.ROOT,
                        "write QD%d durable IOPS = %.1f × one fdatasync per write (local QD1)", h.queueDepth(), h.iops() / single.iops()))));
        return lines;
    }

    private static java.util.Optional<CellResult> find(List<CellResult> cells, String system, String op, int qd) {
        return cells.stream().filter(c -> c.system().equals(system) && c.op().equals(op) && c.queueDepth() == qd).findFirst();
    }

    private void writeJson(List<CellResult> cells) throws IOException {
        Path parent = results.file().toAbsolutePath().getParent();
        Files.createDirectories(parent);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(results.file()))) {
            out.printf(Locale.ROOT, "{%n  \"benchmark\": \"page-io\",%n  \"date\": \"%s\",%n", Instant.now());
            out.printf(Locale.ROOT, "  \"machine\": {\"cores\": %d, \"java\": \"%s\", \"os\": \"%s %s\"},%n",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                    System.getProperty("os.name"), System.getProperty("os.version"));
            out.printf(Locale.ROOT, "  \"settings\": {\"page_size\": %d, \"volume_mib\": %d, \"seconds\": %.1f, \"warmup_seconds\": %.1f},%n",
                    pageSize, volumeMib, seconds, warmupSeconds);
            out.printf("  \"cells\": [%n    %s%n  ],%n", cells.stream().map(CellResult::json).collect(Collectors.joining(",\n    ")));
            out.printf("  \"summary\": [%s]%n}%n", summary(cells).stream()
                    .map(s -> "\"" + s.replace("\"", "'") + "\"").collect(Collectors.joining(", ")));
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
