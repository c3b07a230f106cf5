package org.hapager.bench.derby;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How long Derby takes to create a database, and to boot an existing one and shut it down again, on its own
 * directory storage and on hapager (a pair of page-server processes), side by side in one run: the two storages
 * alternate, boot after boot, so the machine's noise falls on both alike. Each boot opens a connection and
 * reads one row; each shutdown is Derby's {@code ;shutdown=true}. Issue 15's boot measurement.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar org.hapager.bench.derby.DerbyBootBench [--boots 50]
 * [--out bench-results/derby-boot.json]}
 */
public final class DerbyBootBench {

    private DerbyBootBench() {
    }

    /** Times of one storage, in milliseconds. */
    record Storage(String name, String url, double createMs, double[] bootMs, double[] shutdownMs) {
        String json() {
            return String.format(Locale.ROOT, "{\"storage\": \"%s\", \"create_ms\": %.1f, \"boots\": %d,"
                            + " \"boot_p50_ms\": %.1f, \"boot_mean_ms\": %.1f, \"boot_max_ms\": %.1f,"
                            + " \"shutdown_p50_ms\": %.1f, \"shutdown_mean_ms\": %.1f}",
                    name, createMs, bootMs.length, percentile(bootMs, 50), mean(bootMs), percentile(bootMs, 100),
                    percentile(shutdownMs, 50), mean(shutdownMs));
        }
    }

    public static void main(String[] args) throws Exception {
        int boots = 50;
        Path out = Path.of("bench-results/derby-boot.json");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--boots" -> boots = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> {
                    System.err.println("DerbyBootBench: unknown argument " + args[i] + " (expected --boots N, --out FILE)");
                    System.exit(2);
                }
            }
        }
        if (boots < 1) {
            System.err.println("DerbyBootBench: --boots " + boots + " (expected: >= 1)");
            System.exit(2);
        }
        List<Storage> results = new ArrayList<>();
        try (DerbyStorages storages = DerbyStorages.start("hapager-boot", "boot", 64L << 20)) {
            String[] names = {"directory (local disk)", "hapager (2 page servers)"};
            String[] urls = {storages.diskUrl("local-db"), storages.hapagerUrl("db")};
            double[] createMs = new double[2];
            double[][] bootMs = new double[2][boots];
            double[][] shutdownMs = new double[2][boots];
            for (int s = 0; s < 2; s++) {
                long start = System.nanoTime();
                try (Connection c = DriverManager.getConnection(urls[s] + ";create=true"); Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(100))");
                    st.execute("INSERT INTO t VALUES (1, 'booted')");
                }
                shutdown(urls[s]);
                createMs[s] = millisSince(start);
                System.out.printf(Locale.ROOT, "create + first shutdown, %s: %.0f ms%n", names[s], createMs[s]);
            }
            for (int i = 0; i < boots; i++) {
                for (int s = 0; s < 2; s++) {
                    long start = System.nanoTime();
                    try (Connection c = DriverManager.getConnection(urls[s]); Statement st = c.createStatement();
                         var rs = st.executeQuery("SELECT v FROM t WHERE id = 1")) {
                        if (!rs.next() || !"booted".equals(rs.getString(1))) {
                            throw new IllegalStateException("boot " + i + " of " + names[s] + " lost the row");
                        }
                    }
                    bootMs[s][i] = millisSince(start);
                    start = System.nanoTime();
                    shutdown(urls[s]);
                    shutdownMs[s][i] = millisSince(start);
                }
                if ((i + 1) % 10 == 0) {
                    System.out.printf(Locale.ROOT, "%d/%d boots: p50 %.0f ms on disk, %.0f ms on hapager%n", i + 1, boots,
                            percentile(Arrays.copyOf(bootMs[0], i + 1), 50), percentile(Arrays.copyOf(bootMs[1], i + 1), 50));
                }
            }
            for (int s = 0; s < 2; s++) {
                results.add(new Storage(names[s], urls[s], createMs[s], bootMs[s], shutdownMs[s]));
            }
        }
        Storage disk = results.get(0);
        Storage ha = results.get(1);
        double bootRatio = percentile(ha.bootMs(), 50) / percentile(disk.bootMs(), 50);
        double createRatio = ha.createMs() / disk.createMs();
        Files.createDirectories(out.toAbsolutePath().getParent());
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            w.printf(Locale.ROOT, "{%n  \"bench\": \"derby-boot\",%n  \"boot_ratio_p50\": %.2f,%n  \"create_ratio\": %.2f,%n"
                            + "  \"storages\": [%n    %s%n  ]%n}%n", bootRatio, createRatio,
                    String.join(",\n    ", results.stream().map(Storage::json).toList()));
        }
        for (Storage s : results) {
            System.out.printf(Locale.ROOT, "%-26s create %6.0f ms   boot p50 %6.0f ms (max %6.0f)   shutdown p50 %6.0f ms%n",
                    s.name(), s.createMs(), percentile(s.bootMs(), 50), percentile(s.bootMs(), 100),
                    percentile(s.shutdownMs(), 50));
        }
        System.out.printf(Locale.ROOT, "hapager / disk: boot %.2f×, create %.2f×%n", bootRatio, createRatio);
        System.out.println("results: " + out.toAbsolutePath());
    }

    private static void shutdown(String url) {
        try {
            DriverManager.getConnection(url + ";shutdown=true").close();
            throw new IllegalStateException("Derby did not report the shutdown of " + url);
        } catch (SQLException e) {
            if (!"08006".equals(e.getSQLState())) { // 08006: the database was shut down, as asked
                throw new IllegalStateException("shutdown of " + url + " failed: " + e.getMessage(), e);
            }
        }
    }

    private static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    private static double percentile(double[] values, int p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
