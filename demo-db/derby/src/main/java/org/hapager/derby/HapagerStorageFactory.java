package org.hapager.derby;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.derby.io.StorageFactory;
import org.apache.derby.io.StorageFile;
import org.apache.derby.io.WritableStorageFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Derby's storage factory for {@code jdbc:derby:hapager:CLUSTER/DB}: every file of database {@code DB} is a
 * volume {@code DB/…} on cluster {@code CLUSTER}'s page servers, read and written through the cluster's
 * buffer pool (see {@link HapagerDerby} to install and configure it).
 *
 * <h2>Names</h2>
 * A database's canonical name is {@code /CLUSTER/DB}; the service name Derby derives from it is
 * {@code hapager:/CLUSTER/DB}, and {@code jdbc:derby:hapager:CLUSTER/DB} names the same database. File paths
 * ({@link StorageFile#getPath()}) are absolute in the same form, {@code /CLUSTER/DB/seg0/c10.dat}, and the
 * factory accepts them back; relative paths are relative to the database directory. The separator is
 * {@code /} on every platform.
 *
 * <h2>Instances</h2>
 * Derby makes many instances per boot and only one of them, initialised with a {@code uniqueName}, stores
 * the database: that one holds the cluster from {@code init} to {@link #shutdown()} and owns the temporary
 * directory {@code DB/tmp}. The others are cheap: they hold the cluster from their first file operation to
 * their {@code shutdown()} (Derby shuts every instance it makes down). An instance used after its shutdown
 * (Derby's log deletes obsolete log files through the database's instance after the data factory shut it
 * down) uses the cluster while it lingers and never reopens it: see {@link HapagerDerby}'s cluster lifecycle.
 * The root instance, made without a database, is an empty directory: see {@link #newStorageFile(String)}.
 *
 * <h2>Durability</h2>
 * A handle opened {@code "rws"} or {@code "rwd"} writes through: each write is durable on the page servers
 * when it returns. Other handles write into the buffer pool; their {@code sync()} writes the file's dirty
 * pages back (durable when acknowledged) and sets the server's length. Create, delete and rename are durable
 * when they return. See {@link #supportsWriteSync()} for how Derby's log uses this.
 */
public class HapagerStorageFactory implements WritableStorageFactory {

    private static final Logger log = LoggerFactory.getLogger(HapagerStorageFactory.class);
    private static final String TEMP_DIRECTORY = "tmp";

    /** Cluster name, or null for the root factory Derby makes without a database. */
    private String clusterName;
    /** The database directory inside the cluster, e.g. {@code shop}; null for the root factory. */
    private String databasePath;
    private String canonicalName;
    /** The cluster this instance holds ({@link HapagerDerby#acquire}) until {@link #shutdown()}; guarded by this. */
    private Cluster held;
    /** Set for the instance that stores a booted database. */
    private boolean booted;
    /** Set by {@link #shutdown()}: later uses hold nothing and never reopen the cluster; guarded by this. */
    private boolean shutDown;
    private HapagerFile tempDir;
    private long tempCounter;

    public HapagerStorageFactory() {
        // Derby instantiates by reflection; init does the work
    }

    @Override
    public void init(String home, String databaseName, String tempDirName, String uniqueName) throws IOException {
        // home (derby.system.home) is a local directory: hapager databases do not live under it
        if (databaseName == null) {
            return;
        }
        String[] parsed = parseDatabaseName(databaseName);
        clusterName = parsed[0];
        databasePath = parsed[1];
        canonicalName = "/" + clusterName + "/" + databasePath;
        if (uniqueName != null) {
            booted = true;
            cluster(); // held from the boot on
            try {
                tempDir = new HapagerFile(this, databasePath + "/" + TEMP_DIRECTORY);
                tempDir.deleteAll();
                if (!tempDir.mkdirs()) {
                    throw new IOException("cannot create the temporary directory " + tempDir.getPath());
                }
                ServiceProperties.resolveInterruptedRewrite(this);
            } catch (IOException | RuntimeException e) {
                shutdown(); // Derby does not shut down an instance whose init failed: let go of the cluster
                throw e;
            }
        }
    }

    /**
     * Splits {@code CLUSTER/DB} (or {@code /CLUSTER/DB}, the canonical form) into cluster and database path.
     *
     * @throws IOException naming what is wrong with the name
     */
    static String[] parseDatabaseName(String databaseName) throws IOException {
        String name = databaseName.startsWith("/") ? databaseName.substring(1) : databaseName;
        int slash = name.indexOf('/');
        if (slash <= 0 || slash == name.length() - 1) {
            throw new IOException("hapager database name \"" + databaseName
                    + "\": expected CLUSTER/DATABASE, as in jdbc:derby:hapager:main/shop");
        }
        String cluster = name.substring(0, slash);
        try {
            HapagerDerby.checkName(cluster);
        } catch (IllegalArgumentException e) {
            throw new IOException("hapager database name \"" + databaseName + "\": " + e.getMessage(), e);
        }
        String path = normalize("", name.substring(slash + 1));
        if (path.isEmpty()) {
            throw new IOException("hapager database name \"" + databaseName + "\": the database path is empty");
        }
        return new String[] {cluster, path};
    }

    /** Resolves {@code relative} against directory {@code base} (both cluster-relative, "" is the root). */
    static String normalize(String base, String relative) {
        Deque<String> segments = new ArrayDeque<>();
        for (String s : (base + "/" + relative).split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (segments.isEmpty()) {
                    throw new IllegalArgumentException("path \"" + relative + "\" leaves the cluster root");
                }
                segments.removeLast();
            } else {
                segments.addLast(s);
            }
        }
        return String.join("/", segments);
    }

    /**
     * The cluster, held by this instance from the first call to {@link #shutdown()} (opened if needed); after
     * the shutdown, the cluster while it lingers.
     *
     * @throws IOException if this is the root factory, the cluster cannot open, or this instance was shut down
     *                     and the cluster is closed
     */
    synchronized Cluster cluster() throws IOException {
        if (clusterName == null) {
            throw new IOException("no hapager database: Derby's root storage factory has no files");
        }
        if (held != null) {
            return held;
        }
        if (shutDown) {
            return HapagerDerby.lingering(clusterName, "the storage factory of " + canonicalName);
        }
        held = HapagerDerby.acquire(clusterName);
        return held;
    }

    /** True for the root factory, made without a database: an empty directory. */
    boolean isRoot() {
        return clusterName == null;
    }

    /** A path as {@link StorageFile#getPath()} shows it. */
    String absolute(String path) {
        if (clusterName == null) {
            return "/" + path; // the root factory's
        }
        return "/" + clusterName + (path.isEmpty() ? "" : "/" + path);
    }

    /** Cluster-relative path of {@code path} given by Derby: absolute ({@code /CLUSTER/…}) or database-relative. */
    private String resolve(String path) {
        if (path.startsWith("/")) {
            String prefix = "/" + clusterName;
            if (!path.equals(prefix) && !path.startsWith(prefix + "/")) {
                throw new IllegalArgumentException("path \"" + path + "\" is outside hapager cluster " + clusterName);
            }
            return normalize("", path.substring(prefix.length()));
        }
        return normalize(databasePath, path);
    }

    @Override
    public void shutdown() {
        Cluster c;
        synchronized (this) {
            c = held;
            held = null;
            shutDown = true;
        }
        if (c == null) {
            return;
        }
        try {
            if (booted) {
                c.syncAll();
            }
        } catch (IOException e) {
            log.warn("database {}: sync at shutdown failed", canonicalName, e);
        } finally {
            HapagerDerby.release(c);
        }
    }

    @Override
    public String getCanonicalName() {
        return canonicalName;
    }

    @Override
    public void setCanonicalName(String name) {
        canonicalName = name;
    }

    /**
     * A file of the database; in the root factory, made without a database, a name under an empty directory:
     * the root ({@code null} or {@code ""}) exists and lists nothing, nothing else exists, and what would
     * create a file fails naming the root factory. So Derby finds no hapager database to boot at start-up
     * ({@code derby.system.bootAll}, which lists the root): hapager databases are not under
     * {@code derby.system.home} and are booted by their first connection.
     */
    @Override
    public StorageFile newStorageFile(String path) {
        if (clusterName == null) {
            return new HapagerFile(this, path == null ? "" : normalize("", path));
        }
        return new HapagerFile(this, path == null ? databasePath : resolve(path));
    }

    @Override
    public StorageFile newStorageFile(String directoryName, String fileName) {
        if (directoryName == null) {
            return newStorageFile(fileName);
        }
        String dir = clusterName == null ? "" : resolve(directoryName);
        return new HapagerFile(this, fileName == null ? dir : normalize(dir, fileName));
    }

    @Override
    public StorageFile newStorageFile(StorageFile directoryName, String fileName) {
        if (directoryName == null) {
            return newStorageFile(fileName);
        }
        if (fileName == null) {
            return directoryName;
        }
        return new HapagerFile(this, normalize(((HapagerFile) directoryName).path, fileName));
    }

    @Override
    public char getSeparator() {
        return '/';
    }

    @Override
    public StorageFile getTempDir() {
        return tempDir;
    }

    @Override
    public boolean isFast() {
        return false;
    }

    @Override
    public boolean isReadOnlyDatabase() {
        return false;
    }

    @Override
    public boolean supportsRandomAccess() {
        return true;
    }

    @Override
    public int getStorageFactoryVersion() {
        return StorageFactory.VERSION_NUMBER;
    }

    @Override
    public StorageFile createTemporaryFile(String prefix, String suffix) throws IOException {
        if (tempDir == null) {
            throw new IOException("createTemporaryFile: no temporary directory (database " + canonicalName + " is not booted by this factory)");
        }
        String p = prefix == null ? "" : prefix;
        String s = suffix == null ? ".tmp" : suffix;
        Cluster c = cluster();
        while (true) {
            String name;
            synchronized (this) {
                name = tempDir.path + "/" + p + (tempCounter++) + s;
            }
            if (c.createExclusive(name)) {
                return new HapagerFile(this, name);
            }
        }
    }

    @Override
    public void sync(OutputStream stream, boolean metaData) throws IOException {
        if (!(stream instanceof ContentsOutputStream out)) {
            throw new IOException("sync of a stream that is not a hapager file's: " + stream);
        }
        out.sync();
    }

    /**
     * The cluster's {@link ClusterSettings#writeSync()} (true by default): Derby then preallocates each log file
     * and opens it {@code "rwd"}, and every log write is written through and durable when it returns. That
     * costs one durable page write per log flush and never grows the file; with {@code false}, Derby appends
     * to a growing log and syncs at commit, which costs a write, a length change and a sync (see BENCHMARKS.md).
     * The root factory, and one whose cluster cannot open (its database will not boot), say true.
     */
    @Override
    public boolean supportsWriteSync() {
        if (isRoot()) {
            return true;
        }
        try {
            return cluster().settings.writeSync();
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public String toString() {
        return "HapagerStorageFactory[" + (canonicalName == null ? "root" : canonicalName)
                + (booted ? ", booted" : "") + (shutDown ? ", shut down" : "") + "]";
    }
}
