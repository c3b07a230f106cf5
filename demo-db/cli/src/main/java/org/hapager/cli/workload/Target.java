package org.hapager.cli.workload;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;
import org.hapager.cli.database.DataDirectory;
import org.hapager.cli.database.DerbySetup;
import org.hapager.cli.metrics.CliMetrics;
import org.hapager.cli.servers.LocalPageServers;
import org.hapager.workload.tpcc.driver.TpccPool;

/**
 * The database a workload command runs on, from its {@link WorkloadOptions}: any JDBC URL, or Derby on
 * hapager (an embedded pair of page servers started here, or {@code --servers} running elsewhere), on its
 * own disk storage, or in memory. Opens the connection pool (HikariCP, its meters in the command's
 * registry) and, on {@link #close(boolean, PrintWriter)}, shuts everything down in order: pool, Derby,
 * hapager cluster, page servers, temporary directory (kept if the run failed).
 *
 * <p>Used by the command's thread, except {@code close}, which a shutdown hook may call as well (once).
 */
public final class Target {

    /** The hapager cluster a workload command registers. */
    public static final String CLUSTER = "workload";

    private final String url;
    private final String description;
    private final String derbyUrl;
    private final boolean hapager;
    /** The hapager cluster registered here, closed at the end; null if none. */
    private final String cluster;
    private final DataDirectory dir;
    private final LocalPageServers servers;
    private HikariDataSource pool;
    private boolean closed;

    private Target(String url, String description, String derbyUrl, boolean hapager, String cluster,
            DataDirectory dir, LocalPageServers servers) {
        this.url = url;
        this.description = description;
        this.derbyUrl = derbyUrl;
        this.hapager = hapager;
        this.cluster = cluster;
        this.dir = dir;
        this.servers = servers;
    }

    /**
     * Sets up the database {@code database} (a name like {@code tpcc}) as the options say, printing what it
     * starts. {@code create=true} is added to Derby URLs built here.
     */
    public static Target open(WorkloadOptions o, String database, MeterRegistry registry, PrintWriter out)
            throws IOException {
        DataDirectory dir = DataDirectory.open(o.shared().data(), "hapager-" + database);
        DerbySetup.configure(dir.path());
        LocalPageServers servers = null;
        try {
            if (o.url != null) {
                String base = o.url.split(";", 2)[0];
                boolean onHapager = base.startsWith("jdbc:derby:hapager:");
                String cluster = onHapager && o.servers != null ? register(base, o, registry) : null;
                return new Target(o.url, "JDBC " + o.url, base.startsWith("jdbc:derby:") ? base : null, onHapager,
                        cluster, dir, null);
            }
            switch (o.storage) {
                case MEMORY -> {
                    String u = "jdbc:derby:memory:" + database;
                    return new Target(u + ";create=true", "Derby in memory (" + u + ")", u, false, null, dir, null);
                }
                case DISK -> {
                    String u = "jdbc:derby:directory:" + dir.resolve("derby").resolve(database);
                    return new Target(u + ";create=true", "Derby's own disk storage in " + dir.resolve("derby"), u,
                            false, null, dir, null);
                }
                default -> {
                    String u = "jdbc:derby:hapager:" + CLUSTER + "/" + database;
                    String where;
                    if (o.servers != null) {
                        register(u, o, registry);
                        where = "page servers " + String.join(", ", o.servers);
                    } else {
                        out.println("starting two page servers …");
                        long t0 = System.nanoTime();
                        Path store = dir.resolve("store");
                        servers = LocalPageServers.start(store, dir.resolve("hapager.token"),
                                o.shared().metricsPort() != null);
                        DerbySetup.register(CLUSTER, servers.address(0), servers.address(1),
                                dir.resolve("hapager.token"), o.shared().leaseMillis(), registry);
                        out.printf(Locale.ROOT, "page servers: primary %s (pid %d), secondary %s (pid %d), sharing %s;"
                                + " up in %.1f s%n", servers.key(0), servers.get(0).pid(), servers.key(1),
                                servers.get(1).pid(), store, (System.nanoTime() - t0) / 1e9);
                        servers.metricsLine().ifPresent(out::println);
                        where = "an embedded pair of page servers over " + store;
                    }
                    return new Target(u + ";create=true", "Derby on hapager (" + u + ") on " + where, u, true,
                            CLUSTER, dir, servers);
                }
            }
        } catch (IOException | RuntimeException e) {
            if (servers != null) {
                servers.stopAll();
            }
            throw e;
        }
    }

    /** Registers the cluster of hapager URL {@code url} over {@code --servers} with {@code --token-file}. */
    private static String register(String url, WorkloadOptions o, MeterRegistry registry) throws IOException {
        String cluster = url.substring("jdbc:derby:hapager:".length()).replaceFirst("^/", "").split("/", 2)[0];
        DerbySetup.register(cluster, address(o.servers[0]), address(o.servers[1]), o.tokenFile,
                o.shared().leaseMillis(), registry);
        return cluster;
    }

    /** {@code host:port} as an address; the format was checked by the command. */
    static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** The JDBC URL connections are opened with. */
    public String url() {
        return url;
    }

    /** One line: what the database is and where it lives. */
    public String description() {
        return description;
    }

    /** The database is Derby on hapager (its meters tell failovers, reissues and the pool's hit ratio). */
    public boolean onHapager() {
        return hapager;
    }

    /** The embedded page servers, or null. */
    public LocalPageServers servers() {
        return servers;
    }

    /** A pool of {@code clients + 1} connections, auto-commit off, its meters in the command's registry. */
    public HikariDataSource pool(String name, int clients, CliMetrics metrics) {
        HikariConfig hc = TpccPool.config(url, clients);
        hc.setPoolName(name);
        pool = new HikariDataSource(metrics.track(hc));
        return pool;
    }

    /**
     * Closes the pool, shuts Derby down (its database lock released) and closes the hapager cluster, but leaves
     * the page servers running: another JVM may now boot the database on them ({@code hapager chaos} checks
     * it again that way). {@link #close} does the rest.
     */
    public synchronized void releaseDatabase() {
        if (pool != null) {
            pool.close();
        }
        if (derbyUrl != null) {
            DerbySetup.shutdown(derbyUrl);
        }
        if (cluster != null) {
            DerbySetup.close(cluster);
        }
    }

    /** The data directory: the embedded page servers' store, derby.log. */
    public DataDirectory directory() {
        return dir;
    }

    /**
     * Closes the pool, shuts Derby down, closes the hapager cluster, stops the embedded servers and removes a
     * temporary directory unless {@code keep}; says where kept data is. Once; later calls do nothing.
     */
    public synchronized void close(boolean keep, PrintWriter out) {
        if (closed) {
            return;
        }
        closed = true;
        releaseDatabase();
        if (servers != null) {
            servers.stopAll();
        }
        dir.finish(keep, "derby.log" + (servers != null ? ", the page servers' store" : ""), out);
    }

}
