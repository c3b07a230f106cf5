package org.hapager.bench.derby;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.hapager.derby.ClusterSettings;
import org.hapager.derby.HapagerDerby;
import org.hapager.pager.PagerConfig;
import org.hapager.server.process.PageServerProcess;

/**
 * The two storages the Derby benchmarks compare, set up in one fresh temporary directory: Derby's own
 * directory storage under it, and a hapager cluster of two page-server processes (primary first) sharing the
 * store {@code DIR/store}, registered with Derby's storage factory. Derby's error log goes to
 * {@code DIR/derby.log}. Set any other {@code derby.*} system property before {@link #start}, which registers the
 * storage factory ({@link HapagerDerby#install}) ahead of Derby's first boot.
 *
 * <p>{@link #close} closes every hapager cluster (syncing their files), then stops both servers: SIGTERM, so a
 * server started with a flight recording writes it out, and SIGKILL for one that does not exit within
 * {@value #STOP_WAIT_SECONDS} s. The directory is left behind for a look at the log.
 */
final class DerbyStorages implements AutoCloseable {

    private static final int STOP_WAIT_SECONDS = 20;

    private final Path dir;
    private final String cluster;
    private final PageServerProcess primary;
    private final PageServerProcess secondary;

    private DerbyStorages(Path dir, String cluster, PageServerProcess primary, PageServerProcess secondary) {
        this.dir = dir;
        this.cluster = cluster;
        this.primary = primary;
        this.secondary = secondary;
    }

    /**
     * Creates the directory ({@code prefix} starts its name), starts the two page servers with
     * {@code serverEnvironment} added to their environment and {@code serverArgs} added to their command line,
     * and registers them as hapager cluster {@code cluster} with a buffer pool of {@code poolBytes} in 4 KiB
     * pages; {@code pager} receives the servers and the token file and may set anything else (a meter registry).
     */
    static DerbyStorages start(String prefix, String cluster, long poolBytes, PagerConfig.Builder pager,
                               Map<String, String> serverEnvironment, String... serverArgs) throws Exception {
        Path dir = Files.createTempDirectory(prefix);
        System.setProperty("derby.stream.error.file", dir.resolve("derby.log").toString());
        HapagerDerby.install();
        Path store = Files.createDirectories(dir.resolve("store"));
        Path token = dir.resolve("token");
        PageServerProcess primary = PageServerProcess.start(serverEnvironment, store, token, serverArgs);
        PageServerProcess secondary;
        try {
            secondary = PageServerProcess.start(serverEnvironment, store, token, serverArgs);
        } catch (RuntimeException e) {
            primary.close();
            throw e;
        }
        HapagerDerby.register(cluster, ClusterSettings.of(pager.servers(primary.address(), secondary.address())
                .tokenFile(token).build()).withPool(poolBytes, 4096));
        return new DerbyStorages(dir, cluster, primary, secondary);
    }

    /** The same with the pager's defaults and the servers' defaults. */
    static DerbyStorages start(String prefix, String cluster, long poolBytes) throws Exception {
        return start(prefix, cluster, poolBytes, PagerConfig.builder(), Map.of());
    }

    /** The temporary directory everything lives in. */
    Path dir() {
        return dir;
    }

    /** The data directory the two page servers share. */
    Path store() {
        return dir.resolve("store");
    }

    /** JDBC URL of database {@code name} on Derby's directory storage, in {@link #dir()}. */
    String diskUrl(String name) {
        return "jdbc:derby:directory:" + dir.resolve(name);
    }

    /** JDBC URL of database {@code name} on the hapager cluster. */
    String hapagerUrl(String name) {
        return "jdbc:derby:hapager:" + cluster + "/" + name;
    }

    PageServerProcess primary() {
        return primary;
    }

    PageServerProcess secondary() {
        return secondary;
    }

    @Override
    public void close() {
        try {
            HapagerDerby.closeAll();
        } finally {
            stop(primary);
            stop(secondary);
        }
    }

    private static void stop(PageServerProcess server) {
        if (server.isAlive()) {
            try {
                server.sigterm(Duration.ofSeconds(STOP_WAIT_SECONDS));
            } catch (RuntimeException e) {
                System.err.println("page server pid " + server.pid() + " did not stop on SIGTERM, killing it: " + e.getMessage());
            }
        }
        server.close();
    }
}
