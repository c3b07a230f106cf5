package org.hapager.cli.demo;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.hapager.derby.ClusterSettings;
import org.hapager.derby.HapagerDerby;
import org.hapager.pager.PagerConfig;

/**
 * Derby as {@code hapager demo} sets it up: its settings, the hapager cluster {@value #CLUSTER} over the two
 * page servers that its database {@value #URL} lives on, the checkpoint after the load, and its shutdown.
 */
final class DemoDerby {

    static final String CLUSTER = "demo";
    static final String DATABASE = "tpcc";
    static final String URL = "jdbc:derby:hapager:" + CLUSTER + "/" + DATABASE;
    static final long POOL_BYTES = 128L << 20;

    private DemoDerby() {
    }

    /** Derby's settings for the demo, unless given with -D: its log in the data directory, quick deadlock detection. */
    static void configure(Path dir) {
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

    /** Registers {@link #CLUSTER}: a client of both servers with the given lease, its meters in {@code registry}. */
    static void register(DemoServers servers, Path tokenFile, long leaseMillis, MeterRegistry registry)
            throws IOException {
        PagerConfig pager = PagerConfig.builder()
                .servers(servers.address(0), servers.address(1))
                .tokenFile(tokenFile)
                .clientName("hapager-demo")
                .lease(Duration.ofMillis(leaseMillis))
                .failoverDeadline(Duration.ofSeconds(30))
                .meterRegistry(registry)
                .build();
        HapagerDerby.register(CLUSTER, ClusterSettings.of(pager).withPool(POOL_BYTES, 4096));
    }

    static void checkpoint(HikariDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CALL SYSCS_UTIL.SYSCS_CHECKPOINT_DATABASE()");
            c.commit();
        }
    }

    static void shutdown() {
        try {
            DriverManager.getConnection(URL + ";shutdown=true").close();
        } catch (SQLException e) {
            // 08006 is the success; anything else (not booted, already shut down) needs nothing more
        }
    }

    static void close() {
        HapagerDerby.close(CLUSTER);
    }
}
