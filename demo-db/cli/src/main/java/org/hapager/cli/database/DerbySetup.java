package org.hapager.cli.database;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.hapager.derby.ClusterSettings;
import org.hapager.derby.HapagerDerby;
import org.hapager.pager.PagerConfig;

/**
 * Apache Derby as the command line sets it up: its system settings, a hapager cluster over two page servers
 * for {@code jdbc:derby:hapager:CLUSTER/DB} URLs, a checkpoint after a load, and shutdown.
 */
public final class DerbySetup {

    /** The buffer pool of a cluster registered here. */
    public static final long POOL_BYTES = 128L << 20;

    private DerbySetup() {
    }

    /**
     * Derby's settings, unless given with -D: its log in {@code dir}, quick deadlock detection, a 16 MB page
     * cache; and the hapager storage factory installed.
     */
    public static void configure(Path dir) {
        setDefault("derby.stream.error.file", dir.resolve("derby.log").toString());
        setDefault("derby.locks.deadlockTimeout", "1");    // seconds; Derby's default is 20
        setDefault("derby.locks.waitTimeout", "20");       // seconds; a lock wait longer than this is retried
        setDefault("derby.storage.pageCacheSize", "4000"); // Derby's own page cache: 16 MB of 4 KiB pages
        HapagerDerby.install();
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * Registers hapager cluster {@code cluster}: a client of {@code primary} then {@code secondary} with the
     * given lease, its meters (and its buffer pool's) in {@code registry}.
     */
    public static void register(String cluster, InetSocketAddress primary, InetSocketAddress secondary,
            Path tokenFile, long leaseMillis, MeterRegistry registry) throws IOException {
        PagerConfig pager = PagerConfig.builder()
                .servers(primary, secondary)
                .tokenFile(tokenFile)
                .clientName("hapager-" + cluster)
                .lease(Duration.ofMillis(leaseMillis))
                .failoverDeadline(Duration.ofSeconds(30))
                .meterRegistry(registry)
                .build();
        HapagerDerby.register(cluster, ClusterSettings.of(pager).withPool(POOL_BYTES, 4096));
    }

    public static void checkpoint(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CALL SYSCS_UTIL.SYSCS_CHECKPOINT_DATABASE()");
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
    }

    /** Shuts down the Derby database at {@code url} (no attributes); nothing if it is not booted. */
    public static void shutdown(String url) {
        try {
            DriverManager.getConnection(url + ";shutdown=true").close();
        } catch (SQLException e) {
            // 08006 is the success; anything else (not booted, already shut down) needs nothing more
        }
    }

    /** Closes hapager cluster {@code cluster} (its pager client and buffer pool). */
    public static void close(String cluster) {
        HapagerDerby.close(cluster);
    }
}
