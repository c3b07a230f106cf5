package org.hapager.bench.derby;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;
import org.hapager.server.process.PageServerProcess;

/**
 * Derby on hapager against Derby on its own directory storage, side by side in one run, with pgbench's
 * built-in TPC-B-like transaction (3 UPDATEs, 1 SELECT, 1 INSERT, commit = durable) on the same number of
 * client threads; then the same mix on hapager while the serving page server is killed with kill -9, to
 * show the throughput dip and the longest transaction. Issue 6's benchmark.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar org.hapager.bench.derby.DerbyTpcbBench [--seconds 20]
 * [--threads 4] [--scale 1] [--out bench-results/derby-tpcb.json]}
 */
public final class DerbyTpcbBench {

    private static final int ACCOUNTS_PER_SCALE = 100_000;

    private DerbyTpcbBench() {
    }

    record Cell(String storage, String fault, int threads, double seconds, long transactions, double tps,
                double p50Ms, double p99Ms, double maxMs, double worstSecondTps) {
        String json() {
            return String.format(Locale.ROOT, "{\"storage\": \"%s\", \"fault\": \"%s\", \"threads\": %d, \"seconds\": %.1f,"
                    + " \"transactions\": %d, \"tps\": %.1f, \"latency_p50_ms\": %.2f, \"latency_p99_ms\": %.2f,"
                    + " \"latency_max_ms\": %.1f, \"worst_second_tps\": %.1f}",
                    storage, fault, threads, seconds, transactions, tps, p50Ms, p99Ms, maxMs, worstSecondTps);
        }
    }

    public static void main(String[] args) throws Exception {
        double seconds = 20;
        int threads = 4;
        int scale = 1;
        Path out = Path.of("bench-results/derby-tpcb.json");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--scale" -> scale = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> {
                    System.err.println("DerbyTpcbBench: unknown argument " + args[i]
                            + " (expected --seconds S, --threads N, --scale N, --out FILE)");
                    System.exit(2);
                }
            }
        }
        System.setProperty("derby.locks.deadlockTimeout", "1");
        List<Cell> cells = new ArrayList<>();
        try (DerbyStorages storages = DerbyStorages.start("hapager-tpcb", "bench", 128L << 20)) {
            String local = storages.diskUrl("local-db");
            String remote = storages.hapagerUrl("tpcb");
            for (String url : List.of(local, remote)) {
                load(url, scale);
            }
            cells.add(print(run("directory (local disk)", local, "none", threads, seconds, scale, null)));
            cells.add(print(run("hapager (2 page servers)", remote, "none", threads, seconds, scale, null)));
            PageServerProcess victim = storages.primary();
            cells.add(print(run("hapager (2 page servers)", remote, "kill9 of the serving server at half time", threads,
                    seconds, scale, () -> {
                        System.out.println("  >>> kill -9 of page server " + victim.address());
                        victim.kill9();
                    })));
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            w.printf(Locale.ROOT, "{%n  \"bench\": \"derby-tpcb\",%n  \"scale\": %d,%n  \"cells\": [%n    %s%n  ]%n}%n",
                    scale, String.join(",\n    ", cells.stream().map(Cell::json).toList()));
        }
        double ratio = cells.get(1).tps() / cells.get(0).tps();
        System.out.printf(Locale.ROOT, "hapager / directory: %.2f× the transactions per second%n", ratio);
        System.out.println("results: " + out.toAbsolutePath());
    }

    /** pgbench's tables at {@code scale}: branches, tellers (10 per branch), accounts (100,000 per branch), history. */
    private static void load(String url, int scale) throws SQLException {
        long start = System.nanoTime();
        try (Connection c = java.sql.DriverManager.getConnection(url + ";create=true"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE branches (bid INT PRIMARY KEY, bbalance INT, filler CHAR(88))");
            s.execute("CREATE TABLE tellers (tid INT PRIMARY KEY, bid INT, tbalance INT, filler CHAR(84))");
            s.execute("CREATE TABLE accounts (aid INT PRIMARY KEY, bid INT, abalance INT, filler CHAR(84))");
            s.execute("CREATE TABLE history (tid INT, bid INT, aid INT, delta INT, mtime TIMESTAMP, filler CHAR(22))");
            c.setAutoCommit(false);
            try (PreparedStatement b = c.prepareStatement("INSERT INTO branches VALUES (?, 0, '')");
                 PreparedStatement t = c.prepareStatement("INSERT INTO tellers VALUES (?, ?, 0, '')");
                 PreparedStatement a = c.prepareStatement("INSERT INTO accounts VALUES (?, ?, 0, '')")) {
                for (int i = 1; i <= scale; i++) {
                    b.setInt(1, i);
                    b.executeUpdate();
                }
                for (int i = 1; i <= 10 * scale; i++) {
                    t.setInt(1, i);
                    t.setInt(2, (i - 1) / 10 + 1);
                    t.executeUpdate();
                }
                for (int i = 1; i <= ACCOUNTS_PER_SCALE * scale; i++) {
                    a.setInt(1, i);
                    a.setInt(2, (i - 1) / ACCOUNTS_PER_SCALE + 1);
                    a.addBatch();
                    if (i % 5000 == 0) {
                        a.executeBatch();
                        c.commit();
                    }
                }
                a.executeBatch();
            }
            c.commit();
            s.execute("CALL SYSCS_UTIL.SYSCS_CHECKPOINT_DATABASE()");
        }
        System.out.printf(Locale.ROOT, "loaded %s: scale %d in %.1f s%n", url, scale, (System.nanoTime() - start) / 1e9);
    }

    private static Cell run(String storage, String url, String fault, int threads, double seconds, int scale,
                            Runnable atHalfTime) throws Exception {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setMaximumPoolSize(threads);
        hc.setAutoCommit(false);
        Recorder latencies = new Recorder(3);
        int buckets = (int) Math.ceil(seconds) + 1;
        AtomicLongArray perSecond = new AtomicLongArray(buckets);
        AtomicLong failures = new AtomicLong();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        try (HikariDataSource ds = new HikariDataSource(hc)) {
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                SplittableRandom rnd = new SplittableRandom(1000 + t);
                Thread w = new Thread(() -> {
                    try (Connection c = ds.getConnection();
                         PreparedStatement ua = c.prepareStatement("UPDATE accounts SET abalance = abalance + ? WHERE aid = ?");
                         PreparedStatement sa = c.prepareStatement("SELECT abalance FROM accounts WHERE aid = ?");
                         PreparedStatement ut = c.prepareStatement("UPDATE tellers SET tbalance = tbalance + ? WHERE tid = ?");
                         PreparedStatement ub = c.prepareStatement("UPDATE branches SET bbalance = bbalance + ? WHERE bid = ?");
                         PreparedStatement ih = c.prepareStatement("INSERT INTO history VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP, '')")) {
                        while (System.nanoTime() < end) {
                            int aid = 1 + rnd.nextInt(ACCOUNTS_PER_SCALE * scale);
                            int tid = 1 + rnd.nextInt(10 * scale);
                            int bid = 1 + rnd.nextInt(scale);
                            int delta = rnd.nextInt(-5000, 5001);
                            long t0 = System.nanoTime();
                            try {
                                ua.setInt(1, delta);
                                ua.setInt(2, aid);
                                ua.executeUpdate();
                                sa.setInt(1, aid);
                                try (ResultSet r = sa.executeQuery()) {
                                    r.next();
                                }
                                ut.setInt(1, delta);
                                ut.setInt(2, tid);
                                ut.executeUpdate();
                                ub.setInt(1, delta);
                                ub.setInt(2, bid);
                                ub.executeUpdate();
                                ih.setInt(1, tid);
                                ih.setInt(2, bid);
                                ih.setInt(3, aid);
                                ih.setInt(4, delta);
                                ih.executeUpdate();
                                c.commit();
                            } catch (SQLException e) {
                                c.rollback();
                                failures.incrementAndGet();
                                continue;
                            }
                            long t1 = System.nanoTime();
                            latencies.recordValue((t1 - t0) / 1000);
                            int bucket = (int) ((t1 - start) / 1_000_000_000L);
                            if (bucket < buckets) {
                                perSecond.incrementAndGet(bucket);
                            }
                        }
                    } catch (SQLException e) {
                        failures.incrementAndGet();
                    }
                }, "tpcb-" + t);
                w.start();
                workers.add(w);
            }
            if (atHalfTime != null) {
                long half = start + (end - start) / 2;
                while (System.nanoTime() < half) {
                    workers.get(0).join(Math.max(1, (half - System.nanoTime()) / 1_000_000));
                }
                atHalfTime.run();
            }
            for (Thread w : workers) {
                w.join();
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        Histogram h = latencies.getIntervalHistogram();
        long worst = Long.MAX_VALUE;
        for (int i = 1; i < (int) Math.floor(seconds); i++) { // whole seconds, not the first (warm-up) or the cut last one
            worst = Math.min(worst, perSecond.get(i));
        }
        if (failures.get() > 0) {
            System.out.println("  (" + failures.get() + " transactions failed or were deadlock victims, rolled back; not counted)");
        }
        return new Cell(storage, fault, threads, elapsed, h.getTotalCount(), h.getTotalCount() / elapsed,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0,
                worst == Long.MAX_VALUE ? 0 : worst);
    }

    private static Cell print(Cell c) {
        System.out.printf(Locale.ROOT, "%-26s %-42s %d threads: %8.1f tps, p50 %7.2f ms, p99 %8.2f ms, max %8.1f ms,"
                + " worst second %6.0f tps%n", c.storage(), c.fault(), c.threads(), c.tps(), c.p50Ms(), c.p99Ms(),
                c.maxMs(), c.worstSecondTps());
        return c;
    }
}
