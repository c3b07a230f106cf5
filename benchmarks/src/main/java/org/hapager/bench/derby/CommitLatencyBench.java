package org.hapager.bench.derby;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.hapager.pager.PagerConfig;
import org.hapager.server.process.PageServerProcess;

/**
 * The latency of one small durable commit on Derby at one client, on Derby's own directory storage and on
 * hapager (a pair of page-server processes), next to the two physical costs a hapager commit cannot avoid,
 * all measured in one run: a 64-byte TCP round trip over loopback between two threads (blocking sockets,
 * {@code TCP_NODELAY}), and one 4 KiB {@code pwrite} + {@code fdatasync} at a random offset of a preallocated
 * 64 MiB file in the page servers' data directory. Issue 15's aim: hapager's p50 at most 2 × (loopback p50 +
 * fdatasync p50), and hapager's p99 at most Derby on disk's p99.
 *
 * <p>A transaction is an UPDATE of one random row of a small preloaded table (10,000 rows) and a COMMIT, with
 * autocommit off, on one connection and one thread; its latency runs from the UPDATE to the return of
 * {@code commit()}. Each pair measures, one after the other, the loopback round trip, the fdatasync, Derby on
 * disk and Derby on hapager, {@code --seconds} each, so the machine's noise falls on all alike; before the
 * pairs each storage runs untimed for {@code --warmup} seconds (the table in the cache, and the JIT: with 3 s the C2
 * compilers of this JVM and of the serving page server still took about a third of the 2 cores during the first
 * hapager cell). For every hapager
 * cell the bench also reports what the pager client and the page servers saw (their meters; the servers run
 * with {@code --metrics-port 0} and are scraped before and after): requests per commit by operation with their
 * mean time at the client and at the server, and the servers' group-commit forces.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar org.hapager.bench.derby.CommitLatencyBench [--seconds 10]
 * [--pairs 2] [--warmup 10] [--rows 10000] [--storage both|disk|hapager] [--server-jvm-options "OPTS"]
 * [--out bench-results/commit-latency.json]}; {@code --server-jvm-options} reaches the page servers' JVMs
 * through {@code JAVA_TOOL_OPTIONS}, for example a flight recording into an existing directory, one file per
 * server ({@code -XX:StartFlightRecording=filename=/tmp/server-jfr,settings=profile,dumponexit=true}), written
 * when the bench stops them with SIGTERM.
 */
public final class CommitLatencyBench {

    private static final int FDATASYNC_FILE_BYTES = 64 << 20;
    private static final int FDATASYNC_WRITE_BYTES = 4096;
    private static final int PING_BYTES = 64;
    private static final Pattern METRICS_AT = Pattern.compile("metrics at http://(\\S+):(\\d+)/metrics");
    private static final Duration METRICS_WAIT = Duration.ofSeconds(30);

    private CommitLatencyBench() {
    }

    /** Percentiles of one histogram of nanoseconds, in microseconds. */
    record Latency(long samples, double p50Us, double p99Us, double maxUs) {
        static Latency of(Histogram nanos) {
            return new Latency(nanos.getTotalCount(), nanos.getValueAtPercentile(50) / 1e3,
                    nanos.getValueAtPercentile(99) / 1e3, nanos.getMaxValue() / 1e3);
        }

        String json() {
            return String.format(Locale.ROOT, "\"samples\": %d, \"p50_us\": %.1f, \"p99_us\": %.1f, \"max_us\": %.1f",
                    samples, p50Us, p99Us, maxUs);
        }
    }

    /**
     * One measured cell: {@code kind} is {@code loopback}, {@code fdatasync}, {@code disk} or {@code hapager};
     * {@code perSecond} is commits (or round trips, or syncs) per second; {@code requests} what the pager and
     * the servers saw during a hapager cell (empty otherwise).
     */
    record Cell(String kind, int pair, double seconds, Histogram nanos, double perSecond, Cpu cpu, List<Requests> requests,
                Forces forces) {
        Latency latency() {
            return Latency.of(nanos);
        }

        String json() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                    "{\"kind\": \"%s\", \"pair\": %d, \"seconds\": %.1f, %s, \"per_second\": %.1f, %s",
                    kind, pair, seconds, latency().json(), perSecond, cpu.json()));
            if (forces != null) {
                b.append(", \"requests_per_commit\": [");
                b.append(String.join(", ", requests.stream().map(Requests::json).toList()));
                b.append("], ").append(forces.json());
            }
            return b.append('}').toString();
        }
    }

    /**
     * CPU time per operation (commit, round trip, sync) of a cell, in microseconds: the measuring thread's own
     * (Derby, and the pager's submit path, run on it), the rest of this JVM (the pager's I/O thread, the buffer
     * pool's flusher, the loopback echo thread, GC, JIT), and the two page-server processes together (from
     * {@code /proc/PID/stat}, in 10 ms ticks; NaN where that cannot be read).
     */
    record Cpu(double callerUs, double restOfJvmUs, double serversUs) {
        String json() {
            return String.format(Locale.ROOT, "\"cpu_us_per_op\": {\"caller\": %.1f, \"rest_of_jvm\": %.1f,"
                    + " \"page_servers\": %s}", callerUs, restOfJvmUs, number(serversUs));
        }
    }

    /** CPU time used so far, in nanoseconds: this thread's, this process's, and the servers' (-1 if unknown). */
    private record CpuClock(long threadNanos, long processNanos, long serverNanos) {
        /** Linux's USER_HZ: the unit of utime and stime in /proc/PID/stat. */
        private static final long NANOS_PER_TICK = 10_000_000L;

        static CpuClock read(List<PageServerProcess> servers) {
            long serverNanos = 0;
            for (PageServerProcess server : servers) {
                try {
                    String stat = Files.readString(Path.of("/proc", Long.toString(server.pid()), "stat"));
                    // fields after the command name in parentheses: state is field 3, utime 14, stime 15
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    serverNanos += (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NANOS_PER_TICK;
                } catch (IOException | RuntimeException e) {
                    serverNanos = -1;
                    break;
                }
            }
            return new CpuClock(ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime(),
                    ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime(),
                    serverNanos);
        }

        Cpu perOperationSince(CpuClock start, long operations) {
            double thread = threadNanos - start.threadNanos;
            double process = processNanos - start.processNanos;
            double servers = serverNanos < 0 || start.serverNanos < 0 ? Double.NaN : serverNanos - start.serverNanos;
            return new Cpu(thread / operations / 1e3, (process - thread) / operations / 1e3, servers / operations / 1e3);
        }
    }

    /**
     * Requests of one operation during a cell, per commit, with their mean time from submit to completion at the
     * pager client and from arrival to answer at the page servers (both servers together).
     */
    record Requests(String op, double perCommit, double clientMeanUs, double serverMeanUs) {
        String json() {
            return String.format(Locale.ROOT, "{\"op\": \"%s\", \"per_commit\": %.2f, \"client_mean_us\": %.1f,"
                    + " \"server_mean_us\": %.1f}", op, perCommit, clientMeanUs, serverMeanUs);
        }
    }

    /** The servers' group-commit forces during a cell: per commit, their mean time, and writes made durable by one. */
    record Forces(double perCommit, double meanUs, double writesPerForce) {
        String json() {
            return String.format(Locale.ROOT, "\"server_fsyncs_per_commit\": %.2f, \"server_fsync_mean_us\": %.1f,"
                    + " \"server_writes_per_fsync\": %.2f", perCommit, meanUs, writesPerForce);
        }
    }

    /** The command line, checked. */
    record Options(double seconds, int pairs, double warmupSeconds, int rows, boolean onDisk, boolean onHapager,
                   String serverJvmOptions, Path out) {
        static Options parse(String[] args) {
            double seconds = 10;
            int pairs = 2;
            double warmupSeconds = 10;
            int rows = 10_000;
            String storage = "both";
            String serverJvmOptions = null;
            Path out = Path.of("bench-results/commit-latency.json");
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                    case "--pairs" -> pairs = Integer.parseInt(args[++i]);
                    case "--warmup" -> warmupSeconds = Double.parseDouble(args[++i]);
                    case "--rows" -> rows = Integer.parseInt(args[++i]);
                    case "--storage" -> storage = args[++i];
                    case "--server-jvm-options" -> serverJvmOptions = args[++i];
                    case "--out" -> out = Path.of(args[++i]);
                    default -> usage("unknown argument " + args[i]);
                }
            }
            if (seconds <= 0 || pairs < 1 || warmupSeconds < 0 || rows < 1) {
                usage("--seconds " + seconds + ", --pairs " + pairs + ", --warmup " + warmupSeconds + ", --rows " + rows
                        + " (expected: > 0, >= 1, >= 0, >= 1)");
            }
            boolean onDisk = storage.equals("both") || storage.equals("disk");
            boolean onHapager = storage.equals("both") || storage.equals("hapager");
            if (!onDisk && !onHapager) {
                usage("--storage " + storage + " (expected: both, disk or hapager)");
            }
            return new Options(seconds, pairs, warmupSeconds, rows, onDisk, onHapager, serverJvmOptions, out);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        double seconds = o.seconds();
        int rows = o.rows();
        boolean onDisk = o.onDisk();
        boolean onHapager = o.onHapager();
        SimpleMeterRegistry pagerMeters = new SimpleMeterRegistry();
        List<Cell> cells = new ArrayList<>();
        Path dataDir;
        try (DerbyStorages storages = DerbyStorages.start("hapager-commit", "commit", 64L << 20,
                PagerConfig.builder().meterRegistry(pagerMeters),
                o.serverJvmOptions() == null ? Map.of() : Map.of("JAVA_TOOL_OPTIONS", o.serverJvmOptions()),
                "--metrics-port", "0")) {
            dataDir = storages.store();
            List<PageServerProcess> servers = List.of(storages.primary(), storages.secondary());
            List<URI> metrics = List.of(metricsUri(storages.primary()), metricsUri(storages.secondary()));
            String disk = storages.diskUrl("commit-db");
            String hapager = storages.hapagerUrl("commit-db");
            if (onDisk) {
                load(disk, rows);
            }
            if (onHapager) {
                load(hapager, rows);
            }
            Path syncFile = preallocate(dataDir.resolve("fdatasync-baseline.bin"));
            SplittableRandom rnd = new SplittableRandom(15);
            if (onDisk) {
                commits(disk, rows, o.warmupSeconds(), rnd);
            }
            if (onHapager) {
                commits(hapager, rows, o.warmupSeconds(), rnd);
            }
            System.out.println("CPU us per operation: thread = the measuring thread (Derby, the pager's submit), jvm = the rest"
                    + " of this JVM (pager I/O thread, flusher, GC), servers = both page servers");
            System.out.printf(Locale.ROOT, "%-10s %4s %10s %10s %10s %10s %7s %7s %7s  %s%n", "cell", "pair", "per second", "p50 us",
                    "p99 us", "max us", "thread", "jvm", "servers", "hapager: requests per commit (client / server mean us)");
            for (int pair = 1; pair <= o.pairs(); pair++) {
                cells.add(print(timed("loopback", pair, servers, () -> loopback(seconds))));
                cells.add(print(timed("fdatasync", pair, servers, () -> fdatasync(syncFile, seconds, rnd))));
                if (onDisk) {
                    cells.add(print(timed("disk", pair, servers, () -> commits(disk, rows, seconds, rnd))));
                }
                if (onHapager) {
                    Map<String, Double> serverBefore = scrape(metrics);
                    Map<String, double[]> clientBefore = pagerIo(pagerMeters);
                    Cell c = timed("hapager", pair, servers, () -> commits(hapager, rows, seconds, rnd));
                    cells.add(print(withRequests(c, clientBefore, pagerIo(pagerMeters), serverBefore, scrape(metrics))));
                }
            }
            Files.deleteIfExists(syncFile);
        }
        Histogram loopback = merged(cells, "loopback");
        Histogram fdatasync = merged(cells, "fdatasync");
        Histogram disk = merged(cells, "disk");
        Histogram hapager = merged(cells, "hapager");
        double limitUs = loopback.getValueAtPercentile(50) / 1e3 + fdatasync.getValueAtPercentile(50) / 1e3;
        double p50Ratio = hapager.getTotalCount() == 0 ? Double.NaN : hapager.getValueAtPercentile(50) / 1e3 / limitUs;
        double p99Ratio = hapager.getTotalCount() == 0 || disk.getTotalCount() == 0 ? Double.NaN
                : (double) hapager.getValueAtPercentile(99) / disk.getValueAtPercentile(99);
        System.out.println();
        for (String kind : List.of("loopback", "fdatasync", "disk", "hapager")) {
            Histogram h = merged(cells, kind);
            if (h.getTotalCount() > 0) {
                Latency l = Latency.of(h);
                System.out.printf(Locale.ROOT, "%-10s all  %10s %10.1f %10.1f %10.1f%n", kind, "", l.p50Us(), l.p99Us(), l.maxUs());
            }
        }
        System.out.printf(Locale.ROOT, "limit = loopback p50 + fdatasync p50 = %.1f us%n", limitUs);
        System.out.printf(Locale.ROOT, "hapager p50 / limit = %.2f (aim <= 2)   hapager p99 / disk p99 = %.2f (aim <= 1)%n",
                p50Ratio, p99Ratio);
        Path out = o.out();
        Files.createDirectories(out.toAbsolutePath().getParent());
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            w.printf(Locale.ROOT, "{%n  \"bench\": \"commit-latency\",%n  \"rows\": %d,%n  \"seconds_per_cell\": %.1f,%n"
                            + "  \"pairs\": %d,%n  \"data_dir\": \"%s\",%n"
                            + "  \"loopback_rtt_64b\": {%s},%n  \"pwrite_fdatasync_4k\": {%s},%n"
                            + "  \"disk\": {%s},%n  \"hapager\": {%s},%n"
                            + "  \"limit_us\": %.1f,%n  \"hapager_p50_over_limit\": %s,%n  \"hapager_p99_over_disk_p99\": %s,%n"
                            + "  \"cells\": [%n    %s%n  ]%n}%n",
                    rows, seconds, o.pairs(), dataDir, Latency.of(loopback).json(), Latency.of(fdatasync).json(),
                    Latency.of(disk).json(), Latency.of(hapager).json(), limitUs, number(p50Ratio), number(p99Ratio),
                    String.join(",\n    ", cells.stream().map(Cell::json).toList()));
        }
        System.out.println("results: " + out.toAbsolutePath());
    }

    private static void usage(String problem) {
        System.err.println("CommitLatencyBench: " + problem + " (arguments: --seconds S, --pairs N, --warmup S, --rows N,"
                + " --storage both|disk|hapager, --server-jvm-options OPTS, --out FILE)");
        System.exit(2);
    }

    /** A table of {@code rows} rows with an integer primary key, checkpointed so the cells start from a clean log. */
    private static void load(String url, int rows) throws SQLException {
        long start = System.nanoTime();
        try (Connection c = DriverManager.getConnection(url + ";create=true"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE accounts (id INT PRIMARY KEY, balance INT, filler CHAR(84))");
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO accounts VALUES (?, 0, '')")) {
                for (int id = 1; id <= rows; id++) {
                    insert.setInt(1, id);
                    insert.addBatch();
                    if (id % 5000 == 0) {
                        insert.executeBatch();
                    }
                }
                insert.executeBatch();
            }
            c.commit();
            s.execute("CALL SYSCS_UTIL.SYSCS_CHECKPOINT_DATABASE()");
        }
        System.out.printf(Locale.ROOT, "loaded %s: %d rows in %.1f s%n", url, rows, (System.nanoTime() - start) / 1e9);
    }

    /** Commits for {@code seconds}, one UPDATE of a random row each; the latency of each, UPDATE to commit's return. */
    private static Histogram commits(String url, int rows, double seconds, SplittableRandom rnd) throws SQLException {
        Histogram nanos = new Histogram(3);
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement update = c.prepareStatement("UPDATE accounts SET balance = balance + 1 WHERE id = ?")) {
            c.setAutoCommit(false);
            long end = System.nanoTime() + (long) (seconds * 1e9);
            for (long t0 = System.nanoTime(); t0 < end; ) {
                update.setInt(1, 1 + rnd.nextInt(rows));
                if (update.executeUpdate() != 1) {
                    throw new IllegalStateException("the UPDATE of " + url + " changed no row");
                }
                c.commit();
                long t1 = System.nanoTime();
                nanos.recordValue(t1 - t0);
                t0 = t1;
            }
        }
        return nanos;
    }

    /** 64-byte ping-pongs over loopback for {@code seconds}: a blocking client socket and an echo thread. */
    private static Histogram loopback(double seconds) throws IOException, InterruptedException {
        Histogram nanos = new Histogram(3);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket listener = new ServerSocket(0, 1, loopback)) {
            Thread echo = new Thread(() -> echo(listener), "loopback-echo");
            echo.start();
            try (Socket s = new Socket(loopback, listener.getLocalPort())) {
                s.setTcpNoDelay(true);
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream o = s.getOutputStream();
                byte[] ping = new byte[PING_BYTES];
                long end = System.nanoTime() + (long) (seconds * 1e9);
                for (long t0 = System.nanoTime(); t0 < end; ) {
                    o.write(ping);
                    in.readFully(ping);
                    long t1 = System.nanoTime();
                    nanos.recordValue(t1 - t0);
                    t0 = t1;
                }
            }
            echo.join();
        }
        return nanos;
    }

    /** Answers each 64-byte message with itself until the client closes the connection. */
    private static void echo(ServerSocket listener) {
        try (Socket s = listener.accept()) {
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream o = s.getOutputStream();
            byte[] message = new byte[PING_BYTES];
            while (true) {
                in.readFully(message);
                o.write(message);
            }
        } catch (EOFException e) {
            // the client is done
        } catch (IOException e) {
            throw new UncheckedIOException("loopback echo failed", e);
        }
    }

    /** A file of {@value #FDATASYNC_FILE_BYTES} bytes, written out and forced, so later writes allocate nothing. */
    private static Path preallocate(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
            byte[] bytes = new byte[chunk.capacity()];
            new SplittableRandom(64).nextBytes(bytes);
            for (long at = 0; at < FDATASYNC_FILE_BYTES; at += chunk.capacity()) {
                chunk.clear().put(bytes).flip();
                while (chunk.hasRemaining()) {
                    ch.write(chunk, at + chunk.position());
                }
            }
            ch.force(true);
        }
        return file;
    }

    /** A 4 KiB positional write at a random page of {@code file} and {@code force(false)}, for {@code seconds}. */
    private static Histogram fdatasync(Path file, double seconds, SplittableRandom rnd) throws IOException {
        Histogram nanos = new Histogram(3);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer page = ByteBuffer.allocateDirect(FDATASYNC_WRITE_BYTES);
            byte[] bytes = new byte[FDATASYNC_WRITE_BYTES];
            int pages = FDATASYNC_FILE_BYTES / FDATASYNC_WRITE_BYTES;
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                rnd.nextBytes(bytes); // new contents for every write, prepared before the clock starts
                long offset = (long) rnd.nextInt(pages) * FDATASYNC_WRITE_BYTES;
                page.clear().put(bytes).flip();
                long t0 = System.nanoTime();
                while (page.hasRemaining()) {
                    ch.write(page, offset + page.position());
                }
                ch.force(false);
                long t1 = System.nanoTime();
                nanos.recordValue(t1 - t0);
            }
        }
        return nanos;
    }

    private interface Measurement {
        Histogram run() throws Exception;
    }

    private static Cell timed(String kind, int pair, List<PageServerProcess> servers, Measurement m) throws Exception {
        CpuClock cpu = CpuClock.read(servers);
        long start = System.nanoTime();
        Histogram nanos = m.run();
        double elapsed = (System.nanoTime() - start) / 1e9;
        Cpu perOperation = CpuClock.read(servers).perOperationSince(cpu, Math.max(1, nanos.getTotalCount()));
        return new Cell(kind, pair, elapsed, nanos, nanos.getTotalCount() / elapsed, perOperation, List.of(), null);
    }

    private static Cell print(Cell c) {
        Latency l = c.latency();
        StringBuilder requests = new StringBuilder();
        for (Requests r : c.requests()) {
            requests.append(String.format(Locale.ROOT, "%s %.2f (%.0f / %.0f)  ", r.op(), r.perCommit(), r.clientMeanUs(),
                    r.serverMeanUs()));
        }
        if (c.forces() != null) {
            requests.append(String.format(Locale.ROOT, "fsync %.2f (%.0f us, %.1f writes each)", c.forces().perCommit(),
                    c.forces().meanUs(), c.forces().writesPerForce()));
        }
        System.out.printf(Locale.ROOT, "%-10s %4d %10.1f %10.1f %10.1f %10.1f %7.1f %7.1f %7.1f  %s%n", c.kind(), c.pair(),
                c.perSecond(), l.p50Us(), l.p99Us(), l.maxUs(), c.cpu().callerUs(), c.cpu().restOfJvmUs(), c.cpu().serversUs(),
                requests.toString().strip());
        return c;
    }

    private static Histogram merged(List<Cell> cells, String kind) {
        Histogram all = new Histogram(3);
        cells.stream().filter(c -> c.kind().equals(kind)).forEach(c -> all.add(c.nanos()));
        return all;
    }

    private static String number(double value) {
        return Double.isNaN(value) ? "null" : String.format(Locale.ROOT, "%.3f", value);
    }

    // ------------------------------------------------------------------ what the pager and the servers saw

    /** The address of the server's metrics endpoint, from the line it logs when it binds it. */
    private static URI metricsUri(PageServerProcess server) {
        MatchResult m = server.awaitOutput(METRICS_AT, METRICS_WAIT);
        return URI.create("http://" + m.group(1) + ":" + m.group(2) + "/metrics");
    }

    /** Every sample of every endpoint, added up by name and labels (the two servers together). */
    private static Map<String, Double> scrape(List<URI> endpoints) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        Map<String, Double> samples = new TreeMap<>();
        for (URI uri : endpoints) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(METRICS_WAIT).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("GET " + uri + ": HTTP " + r.statusCode());
            }
            for (String line : r.body().split("\n")) {
                int space = line.lastIndexOf(' ');
                if (line.isEmpty() || line.startsWith("#") || space < 0) {
                    continue;
                }
                try {
                    samples.merge(line.substring(0, space), Double.parseDouble(line.substring(space + 1)), Double::sum);
                } catch (NumberFormatException e) {
                    // a sample this bench does not read
                }
            }
        }
        return samples;
    }

    /** The pager's completed requests by operation: {count, total nanoseconds}. */
    private static Map<String, double[]> pagerIo(SimpleMeterRegistry registry) {
        Map<String, double[]> byOp = new TreeMap<>();
        for (Timer t : registry.find("hapager.pager.io").tag("outcome", "ok").timers()) {
            byOp.put(t.getId().getTag("op"), new double[] {t.count(), t.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)});
        }
        return byOp;
    }

    private static Cell withRequests(Cell c, Map<String, double[]> clientBefore, Map<String, double[]> clientAfter,
                                     Map<String, Double> serverBefore, Map<String, Double> serverAfter) {
        double commits = c.nanos().getTotalCount();
        Map<String, Requests> requests = new LinkedHashMap<>();
        for (var e : clientAfter.entrySet()) {
            String op = e.getKey();
            double[] before = clientBefore.getOrDefault(op, new double[2]);
            double count = e.getValue()[0] - before[0];
            if (count <= 0) {
                continue;
            }
            double clientMeanUs = (e.getValue()[1] - before[1]) / count / 1e3;
            String server = "hapager_server_request_seconds_%s{op=\"" + op + "\"}";
            double serverCount = delta(serverBefore, serverAfter, String.format(server, "count"));
            double serverMeanUs = serverCount == 0 ? Double.NaN
                    : delta(serverBefore, serverAfter, String.format(server, "sum")) / serverCount * 1e6;
            requests.put(op, new Requests(op, count / commits, clientMeanUs, serverMeanUs));
        }
        double forces = delta(serverBefore, serverAfter, "hapager_server_fsync_seconds_count");
        double forceSeconds = delta(serverBefore, serverAfter, "hapager_server_fsync_seconds_sum");
        double durableWrites = delta(serverBefore, serverAfter, "hapager_server_fsync_batch_sum");
        Forces f = new Forces(forces / commits, forces == 0 ? Double.NaN : forceSeconds / forces * 1e6,
                forces == 0 ? Double.NaN : durableWrites / forces);
        return new Cell(c.kind(), c.pair(), c.seconds(), c.nanos(), c.perSecond(), c.cpu(), List.copyOf(requests.values()), f);
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String sample) {
        return after.getOrDefault(sample, 0.0) - before.getOrDefault(sample, 0.0);
    }
}
