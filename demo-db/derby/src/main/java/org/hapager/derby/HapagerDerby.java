package org.hapager.derby;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

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
 * A cluster is opened (one pager client, one buffer pool) the first time Derby touches one of its databases,
 * and stays open while a database of it is booted. When the last booted database shuts down, the cluster is
 * synced and closed; the next use opens it again. {@link #close} and {@link #closeAll} close clusters at
 * once (a booted database's later I/O then fails).
 *
 * <p>Thread-safe; every method synchronizes on the registry.
 */
public final class HapagerDerby {

    /** The sub-sub-protocol: {@code jdbc:derby:hapager:…}. */
    public static final String SUB_SUB_PROTOCOL = "hapager";
    /** Cluster names: a plain path segment. */
    private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private static final Map<String, ClusterSettings> registered = new HashMap<>();
    private static final Map<String, Cluster> open = new HashMap<>();
    private static final Map<String, Integer> booted = new HashMap<>();

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
        Cluster c = open.remove(name);
        booted.remove(name);
        if (c != null) {
            c.close();
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

    /** The open cluster {@code name}, opening it if needed (from registered settings or system properties). */
    static synchronized Cluster cluster(String name) throws IOException {
        Cluster c = open.get(name);
        if (c == null) {
            ClusterSettings settings = registered.get(name);
            if (settings == null) {
                settings = ClusterSettings.fromProperties(name, System.getProperties());
            }
            c = Cluster.open(name, settings);
            open.put(name, c);
        }
        return c;
    }

    /** A database of cluster {@code name} booted: the cluster stays open until it shuts down. */
    static synchronized Cluster retain(String name) throws IOException {
        Cluster c = cluster(name);
        booted.merge(name, 1, Integer::sum);
        return c;
    }

    /** A database booted with {@link #retain} shut down; the last one closes the cluster. */
    static synchronized void release(String name) {
        Integer n = booted.get(name);
        if (n == null) {
            return;
        }
        if (n > 1) {
            booted.put(name, n - 1);
        } else {
            close(name);
        }
    }
}
