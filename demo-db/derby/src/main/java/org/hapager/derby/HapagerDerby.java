package org.hapager.derby;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the Derby storage engine: {@link #install()} makes {@code jdbc:derby:hapager:CLUSTER/DB}
 * URLs work, {@link #register} says where cluster {@code CLUSTER}'s page servers are (or use the system
 * properties of {@link ClusterSettings}).
 *
 * <pre>{@code
 * HapagerDerby.install();
 * HapagerDerby.register("main", ClusterSettings.of(PagerConfig.builder()
 *         .servers(primary, secondary).tokenFile(tokenPath).build()));
 * Connection c = DriverManager.getConnection("jdbc:derby:hapager:main/shop;create=true");
 * }</pre>
 *
 * <h2>Cluster lifecycle</h2>
 * A cluster is opened (one pager client, one buffer pool) the first time Derby touches one of its databases.
 * Every storage factory instance that uses it holds it ({@link #acquire}) until Derby shuts that instance
 * down ({@link #release}): the instance that stores a booted database from its boot on, the short-lived ones
 * Derby makes to look a database up or read its service properties from their first file operation on.
 * When the last holder lets go, the cluster lingers for its {@link ClusterSettings#idleClose()} (30 s by
 * default), and at least {@link #MIN_LINGER}, and is then synced and closed (its pager's I/O thread, its
 * server sessions, the pool's flusher and off-heap memory go with it); a holder that comes within the linger
 * (the next boot of a database) cancels the close and finds the cluster connected, its pool warm. The
 * minimum linger serves two habits of Derby's: it looks a database up through throwaway instances just before
 * booting it, and it keeps using a booted database's instance after shutting it down (the log's
 * {@code stop()} deletes obsolete log files after the data factory's); such a late use ({@link #lingering})
 * finds the cluster still open and extends the linger instead of reopening it, so nothing of the cluster
 * survives the engine's shutdown by more than the linger. {@link #close} and {@link #closeAll} close clusters
 * at once (a booted database's later I/O then fails). A boot on a cluster left open does not trust what the
 * cluster cached of the database unless the database lock shows that no other JVM held it meanwhile (see
 * {@link Cluster#lockDatabase}).
 *
 * <p>The idle closes run on one daemon thread that ends when no close is pending: a lingering cluster never
 * keeps the JVM alive (the pager's and the pool's threads are daemons too). A close and a holder that comes
 * meanwhile cannot both win: {@link #acquire} cancels the pending close and counts itself a holder under the
 * registry's lock, and the close, under the same lock, does nothing unless the cluster still has no holder and
 * it is still the latest close scheduled for it.
 *
 * <p>Thread-safe; every method synchronizes on the registry.
 */
public final class HapagerDerby {

    private static final Logger log = LoggerFactory.getLogger(HapagerDerby.class);

    /** The sub-sub-protocol: {@code jdbc:derby:hapager:…}. */
    public static final String SUB_SUB_PROTOCOL = "hapager";
    /** Cluster names: a plain path segment. */
    private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    /**
     * The shortest time a cluster with no holder stays open before it closes, whatever its
     * {@link ClusterSettings#idleClose()}: longer than the gap between Derby's look-up of a database and its
     * boot, and between its data factory's and its log's stop (milliseconds).
     */
    static final Duration MIN_LINGER = Duration.ofSeconds(1);

    private static final Map<String, ClusterSettings> registered = new HashMap<>();
    /** Open clusters and their holders; guarded by the class. */
    private static final Map<String, Open> open = new HashMap<>();
    /** Runs the idle closes; its one thread ends when no close is pending (so it outlives no cluster). */
    private static final ScheduledThreadPoolExecutor closer = newCloser();

    /** An open cluster, how many storage factory instances hold it, and its pending idle close. */
    private static final class Open {
        final Cluster cluster;
        int holders;
        /** The pending idle close, and its number: a close that lost the race with a later schedule does nothing. */
        ScheduledFuture<?> idleClose;
        long idleCloses;

        /** How long the cluster stays open once it has no holder (milliseconds). */
        final long lingerMillis;

        Open(Cluster cluster) {
            this.cluster = cluster;
            this.lingerMillis = Math.max(cluster.settings.idleClose().toMillis(), MIN_LINGER.toMillis());
        }

        void cancelIdleClose() {
            if (idleClose != null) {
                idleClose.cancel(false);
                idleClose = null;
            }
        }
    }

    private static ScheduledThreadPoolExecutor newCloser() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "hapager-derby-cluster-closer");
            t.setDaemon(true);
            return t;
        });
        e.setKeepAliveTime(MIN_LINGER.toMillis(), TimeUnit.MILLISECONDS);
        e.allowCoreThreadTimeOut(true);
        e.setRemoveOnCancelPolicy(true);
        return e;
    }

    private HapagerDerby() {
    }

    /**
     * Registers the storage factory as {@code derby.subSubProtocol.hapager}. Call it before Derby's driver
     * first loads, or put {@code derby.subSubProtocol.hapager=org.hapager.derby.HapagerStorageFactory} in
     * {@code derby.properties}.
     */
    public static void install() {
        System.setProperty("derby.subSubProtocol." + SUB_SUB_PROTOCOL, HapagerStorageFactory.class.getName());
    }

    /** Says where cluster {@code name} is; replaces earlier settings (an open cluster keeps its old ones). */
    public static synchronized void register(String name, ClusterSettings settings) {
        checkName(name);
        registered.put(name, settings);
    }

    /** Closes cluster {@code name} if open: syncs its files, closes its pool and pager. */
    public static synchronized void close(String name) {
        Open o = open.remove(name);
        if (o != null) {
            o.cancelIdleClose();
            o.cluster.close();
        }
    }

    /** Closes every open cluster. */
    public static synchronized void closeAll() {
        for (String name : open.keySet().toArray(String[]::new)) {
            close(name);
        }
    }

    static void checkName(String name) {
        if (name == null || !CLUSTER_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("cluster name : \"" + name
                    + "\" (expected: letters, digits, '_', '.', '-', starting with a letter or digit, at most 64)");
        }
    }

    /**
     * The open cluster {@code name}, opening it if needed, without holding it: for tests and diagnostics. A
     * cluster opened here stays open until {@link #close}, or until a holder comes and goes.
     */
    static synchronized Cluster cluster(String name) throws IOException {
        return openCluster(name).cluster;
    }

    private static Open openCluster(String name) throws IOException {
        Open o = open.get(name);
        if (o == null) {
            ClusterSettings settings = registered.get(name);
            if (settings == null) {
                settings = ClusterSettings.fromProperties(name, System.getProperties());
            }
            o = new Open(Cluster.open(name, settings));
            open.put(name, o);
        }
        return o;
    }

    /** The open cluster {@code name}, or null if it is closed: for tests; opens nothing. */
    static synchronized Cluster openNow(String name) {
        Open o = open.get(name);
        return o == null ? null : o.cluster;
    }

    /** Whether an idle close of cluster {@code name} is pending: for tests. */
    static synchronized boolean idleClosePending(String name) {
        Open o = open.get(name);
        return o != null && o.idleClose != null;
    }

    /** Holds cluster {@code name}, opening it if needed: it stays open until {@link #release}. */
    static synchronized Cluster acquire(String name) throws IOException {
        Open o = openCluster(name);
        o.cancelIdleClose();
        o.holders++;
        return o.cluster;
    }

    /**
     * Lets go of a cluster {@link #acquire} returned; the last holder's release closes it after its linger
     * (see the class comment). Nothing if that cluster was closed meanwhile ({@link #close}).
     */
    static synchronized void release(Cluster cluster) {
        Open o = open.get(cluster.name);
        if (o == null || o.cluster != cluster || o.holders == 0) {
            return;
        }
        if (--o.holders == 0) {
            scheduleIdleClose(o);
        }
    }

    /**
     * Cluster {@code name} for a use that holds nothing (a storage factory instance Derby keeps using after
     * shutting it down): the open cluster, whose idle close this use postpones by a whole linger.
     *
     * @throws IOException if the cluster is closed: it is not reopened for a factory that was shut down
     */
    static synchronized Cluster lingering(String name, String user) throws IOException {
        Open o = open.get(name);
        if (o == null) {
            throw new IOException(user + " was shut down and hapager cluster " + name
                    + " is closed: it is not reopened for a storage factory that Derby shut down");
        }
        if (o.holders == 0) {
            scheduleIdleClose(o);
        }
        return o.cluster;
    }

    private static void scheduleIdleClose(Open o) {
        o.cancelIdleClose();
        long number = ++o.idleCloses;
        o.idleClose = closer.schedule(() -> closeIdle(o, number), o.lingerMillis, TimeUnit.MILLISECONDS);
    }

    private static synchronized void closeIdle(Open o, long number) {
        if (open.get(o.cluster.name) == o && o.holders == 0 && o.idleClose != null && o.idleCloses == number) {
            open.remove(o.cluster.name);
            o.idleClose = null;
            try {
                o.cluster.close();
            } catch (RuntimeException e) { // on the closer's thread nobody else would hear of it
                log.error("hapager cluster {}: idle close failed", o.cluster.name, e);
            }
        }
    }
}
