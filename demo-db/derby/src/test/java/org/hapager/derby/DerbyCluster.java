package org.hapager.derby;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.hapager.pager.PagerConfig;
import org.hapager.pager.ServerPair;

/**
 * Test fixture: two real page-server processes (a {@link ServerPair}) registered as hapager cluster
 * {@code name}, with Derby's storage factory installed. Closing it closes the cluster and stops the servers.
 */
final class DerbyCluster implements AutoCloseable {

    final String name;
    final ServerPair servers;
    private ClusterSettings settings;

    DerbyCluster(String name, Path dir) throws Exception {
        this(name, dir, 8L << 20);
    }

    DerbyCluster(String name, Path dir, long poolBytes) throws Exception {
        this(name, dir, poolBytes, Duration.ofSeconds(30));
    }

    DerbyCluster(String name, Path dir, long poolBytes, Duration failoverDeadline) throws Exception {
        this(name, dir, poolBytes, failoverDeadline, Duration.ofSeconds(6), List.of());
    }

    DerbyCluster(String name, Path dir, long poolBytes, Duration failoverDeadline, Duration lockExpiry) throws Exception {
        this(name, dir, poolBytes, failoverDeadline, lockExpiry, List.of());
    }

    /** With {@code serverArgs} on both page servers' command lines (e.g. {@code --metrics-port 0}). */
    DerbyCluster(String name, Path dir, long poolBytes, Duration failoverDeadline, List<String> serverArgs) throws Exception {
        this(name, dir, poolBytes, failoverDeadline, Duration.ofSeconds(6), serverArgs);
    }

    DerbyCluster(String name, Path dir, long poolBytes, Duration failoverDeadline, Duration lockExpiry,
                 List<String> serverArgs) throws Exception {
        this.name = name;
        // Derby opens its log once per JVM, at its first boot: one file for every test of this JVM
        if (System.getProperty("derby.stream.error.file") == null) {
            System.setProperty("derby.stream.error.file", Path.of("target", "derby.log").toAbsolutePath().toString());
        }
        HapagerDerby.install();
        servers = new ServerPair(dir, serverArgs, serverArgs);
        PagerConfig pager = PagerConfig.builder()
                .servers(servers.primary.address(), servers.secondary.address())
                .tokenFile(servers.token)
                .lease(Duration.ofMillis(500))
                .failoverDeadline(failoverDeadline)
                .build();
        settings = ClusterSettings.of(pager).withPool(poolBytes, 4096).withLockExpiry(lockExpiry);
        HapagerDerby.register(name, settings);
    }

    /** Registers the cluster again with another idle close; the cluster opened next takes it. */
    DerbyCluster idleClose(Duration idle) {
        settings = settings.withIdleClose(idle);
        HapagerDerby.register(name, settings);
        return this;
    }

    /** Where the cluster's pager records its meters. */
    MeterRegistry meters() {
        return settings.pager().meterRegistry();
    }

    /** Derby's log of this JVM (derby.log), wherever the first boot put it. */
    static Path derbyLog() {
        return Path.of(System.getProperty("derby.stream.error.file"));
    }

    String url(String database) {
        return "jdbc:derby:hapager:" + name + "/" + database;
    }

    Connection connect(String database, String attributes) throws SQLException {
        return DriverManager.getConnection(url(database) + (attributes.isEmpty() ? "" : ";" + attributes));
    }

    /** Shuts database {@code database} down the way Derby wants (its SQLException 08006 is the success). */
    void shutdown(String database) {
        try {
            DriverManager.getConnection(url(database) + ";shutdown=true");
            throw new AssertionError("shutdown of " + database + " did not report 08006");
        } catch (SQLException e) {
            if (!"08006".equals(e.getSQLState())) {
                throw new AssertionError("shutdown of " + database + " failed: " + e, e);
            }
        }
    }

    @Override
    public void close() throws Exception {
        HapagerDerby.close(name);
        servers.close();
    }
}
