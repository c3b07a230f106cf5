package org.hapager.derby;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.BufferPoolConfig;
import org.hapager.derby.lock.DatabaseLock;
import org.hapager.derby.lock.LockConfig;
import org.hapager.derby.lock.WriteFence;
import org.hapager.pager.PageIoException;
import org.hapager.pager.PagerClient;
import org.hapager.pager.SendGuard;
import org.hapager.pager.Volume;
import org.hapager.pager.VolumeStat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open hapager cluster: its pager client, its buffer pool and the {@link FileContents} of the files
 * Derby has touched. Shared by every database of the cluster and every storage factory instance Derby
 * makes for them. Opened by {@link HapagerDerby} on first use; closed once no database booted on it for its
 * {@link ClusterSettings#idleClose()}, or by {@link HapagerDerby#close}.
 *
 * <p>Namespace operations that involve cached pages (delete, rename, truncate) go through here so the pool
 * never writes a page of a file that no longer exists under that name.
 */
final class Cluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Cluster.class);

    final String name;
    final ClusterSettings settings;
    final PagerClient pager;
    final BufferPool pool;
    private final Map<String, FileContents> files = new ConcurrentHashMap<>();
    /** What is at the names of the databases this JVM locked; see {@link #kind}. */
    private final NameCache names = new NameCache();
    /** Database locks held by this JVM, by lock file path (see {@link #lockDatabase}). */
    private final Map<String, DatabaseLock> locks = new ConcurrentHashMap<>();
    /**
     * The write fence of each database locked by this JVM, by database directory, and its registration with
     * the pager. A fenced database's fence stays until the cluster closes: its pages in the pool are stale.
     */
    private final Map<String, WriteFence> fences = new ConcurrentHashMap<>();
    private final Map<String, SendGuard.Registration> guards = new ConcurrentHashMap<>();
    /**
     * The RELEASED record this cluster last wrote on each lock page, by lock file path: a later acquisition
     * over exactly that record shows that no other JVM held the lock meanwhile (see {@link #lockDatabase}).
     */
    private final Map<String, ByteBuffer> releasedHere = new ConcurrentHashMap<>();

    private Cluster(String name, ClusterSettings settings, PagerClient pager, BufferPool pool) {
        this.name = name;
        this.settings = settings;
        this.pager = pager;
        this.pool = pool;
    }

    static Cluster open(String name, ClusterSettings settings) throws IOException {
        PagerClient pager = PagerClient.connect(settings.pager());
        BufferPool pool = new BufferPool(pager, new BufferPoolConfig(settings.poolBytes(), settings.pageSize(),
                settings.fixTimeout(), settings.meterRegistry()));
        log.info("hapager cluster {} open: servers {}, pool {} MiB of {}-byte pages", name,
                settings.pager().servers(), settings.poolBytes() >> 20, settings.pageSize());
        return new Cluster(name, settings, pager, pool);
    }

    Volume volume(String path) {
        return new Volume(path, settings.pageSize());
    }

    /** The contents of an existing file. @throws FileNotFoundException if it is missing or a directory */
    FileContents contents(String path) throws IOException {
        FileContents known = files.get(path);
        if (known != null) {
            return known;
        }
        long asOf = names.generation();
        VolumeStat stat = Uninterruptible.await(pager, () -> pager.stat(path), "stat of " + path);
        if (cachesNameOf(path)) {
            names.learn(path, NameCache.Kind.of(stat), asOf);
        }
        if (!stat.exists() || stat.directory()) {
            throw new FileNotFoundException(path + (stat.exists() ? " is a directory" : " does not exist")
                    + " (hapager cluster " + name + ")");
        }
        return files.computeIfAbsent(path, p -> new FileContents(pool, pager, volume(p), stat.length(), this::awaitWritable));
    }

    /** The contents of a file, created empty if missing; {@code truncate} empties an existing one. */
    FileContents create(String path, boolean truncate) throws IOException {
        FileContents known = files.get(path);
        if (known == null) {
            awaitWritable(path, "create");
            requireParentDirectory(path, "create of " + path);
            changeName(path, NameCache.Kind.FILE, () -> pager.create(path, false), "create of " + path);
            known = contents(path);
        }
        if (truncate) {
            known.setLength(0);
        }
        return known;
    }

    /**
     * Fails unless {@code path}'s parent is a directory. java.io.File never makes directories on the way
     * (FileOutputStream and RandomAccessFile report a missing parent as FileNotFoundException, renameTo
     * returns false), but the page servers' create and rename do: so the parent is checked first.
     *
     * @throws PageIoException of kind NOT_FOUND if the parent is missing or a file
     */
    void requireParentDirectory(String path, String what) throws IOException {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return; // the cluster root
        }
        String parent = path.substring(0, slash);
        NameCache.Kind kind = kind(parent);
        if (kind != NameCache.Kind.DIRECTORY) {
            throw new PageIoException(PageIoException.Kind.NOT_FOUND, what + ": directory " + parent
                    + (kind.exists() ? " is a file" : " does not exist") + " (hapager cluster " + name + ")");
        }
    }

    /**
     * What is at {@code path}: from {@link NameCache} inside a database this JVM holds locked (after its first
     * answer from the servers there), else from the servers.
     */
    NameCache.Kind kind(String path) throws IOException {
        boolean cached = cachesNameOf(path);
        if (cached) {
            NameCache.Kind known = names.get(path);
            if (known != null) {
                return known;
            }
        }
        long asOf = names.generation();
        NameCache.Kind kind = NameCache.Kind.of(Uninterruptible.await(pager, () -> pager.stat(path), "stat of " + path));
        if (cached) {
            names.learn(path, kind, asOf);
        }
        return kind;
    }

    /** Makes directory {@code path} and any missing parents. */
    void mkdirs(String path) throws IOException {
        changeName(path, NameCache.Kind.DIRECTORY, () -> pager.mkdirs(path), "mkdirs of " + path);
    }

    /** Issues {@code change} of the name {@code path}, whose outcome is {@code outcome}: NameCache's invariant 2. */
    private void changeName(String path, NameCache.Kind outcome, Supplier<CompletableFuture<Void>> change, String what)
            throws IOException {
        names.forget(path);
        boolean done = false;
        try {
            Uninterruptible.await(pager, change, what);
            done = true;
        } finally {
            names.changed(path, done ? outcome : null);
        }
    }

    /**
     * Whether {@link NameCache} may answer for {@code path} (its invariant 1): inside a database whose lock
     * this JVM holds now, and neither the lock file nor {@code service.properties*}.
     */
    private boolean cachesNameOf(String path) {
        for (Map.Entry<String, WriteFence> e : fences.entrySet()) {
            String dir = e.getKey();
            if (path.startsWith(dir + "/")) {
                DatabaseLock lock = e.getValue().lock();
                String name = path.substring(dir.length() + 1);
                return lock.isHeld() && !path.equals(lock.volumeName()) && !name.startsWith("service.properties");
            }
        }
        return false;
    }

    /** Creates a file only if no file of that name exists; true if this call created it. */
    boolean createExclusive(String path) throws IOException {
        awaitWritable(path, "create");
        try {
            changeName(path, NameCache.Kind.FILE, () -> pager.create(path, true), "create of " + path);
            return true;
        } catch (PageIoException e) {
            if (e.kind() == PageIoException.Kind.ALREADY_EXISTS) {
                return false;
            }
            throw e;
        }
    }

    /** Deletes a file or an empty directory; its cached pages are dropped unwritten. */
    void delete(String path) throws IOException {
        awaitWritable(path, "delete");
        FileContents gone = files.remove(path);
        if (gone != null) {
            gone.markRemoved("deleted");
        }
        Uninterruptible.discard(pool, path, 0);
        changeName(path, NameCache.Kind.MISSING, () -> pager.delete(path), "delete of " + path);
        Uninterruptible.discard(pool, path, 0); // pages read back meanwhile (read-ahead) must not outlive the file
    }

    /**
     * Renames a file or directory, replacing an existing file {@code to} if {@code replace}. The pool knows
     * pages by name, so the cached pages of both names are written back first, and dropped only once the
     * servers have renamed: a rename that fails (a missing source, a directory in the way) leaves both files,
     * their unsynced bytes and their open handles as they were. Renaming a file to itself changes nothing.
     */
    void rename(String from, String to, boolean replace) throws IOException {
        awaitWritable(from, "rename");
        awaitWritable(to, "rename");
        requireParentDirectory(to, "rename of " + from + " to " + to);
        if (from.equals(to)) {
            if (!kind(from).exists()) {
                throw new PageIoException(PageIoException.Kind.NOT_FOUND, "rename of " + from + " to itself: "
                        + from + " does not exist (hapager cluster " + name + ")");
            }
            return;
        }
        List<String> moved = cachedUnder(from);
        List<String> replaced = cachedUnder(to);
        for (String p : moved) {
            files.get(p).sync();
        }
        for (String p : replaced) {
            files.get(p).sync(); // clean pages are never written back: nothing can land on the renamed file
        }
        names.forget(from);
        try {
            changeName(to, null, () -> pager.rename(from, to, replace), "rename of " + from + " to " + to);
        } finally {
            names.changed(from, null);
        }
        for (String p : moved) {
            forget(p, "renamed to " + to);
        }
        for (String p : replaced) {
            forget(p, "replaced by " + from);
        }
    }

    /** Drops a file's contents and cached pages after its name went away on the servers. */
    private void forget(String path, String why) throws IOException {
        FileContents c = files.remove(path);
        if (c != null) {
            c.markRemoved(why);
        }
        Uninterruptible.discard(pool, path, 0);
    }

    private List<String> cachedUnder(String path) {
        List<String> out = new ArrayList<>();
        for (String p : files.keySet()) {
            if (p.equals(path) || p.startsWith(path + "/")) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * Takes the database lock stored in {@code path} (Derby's {@code dbex.lck}): a lock with an expiry on the
     * page servers, renewed while held, that frees itself {@link ClusterSettings#lockExpiry()} after its holder
     * dies. Unless the lock was taken over the RELEASED record this cluster itself last wrote on it (nobody else
     * held it since), the database's cached files are reloaded first: another JVM may have changed them.
     *
     * @return false if another live JVM holds it (the reason is logged, naming the holder)
     */
    boolean lockDatabase(String path) throws IOException {
        DatabaseLock held = locks.get(path);
        if (held != null && held.isHeld()) {
            return true;
        }
        String database = databaseOf(path);
        WriteFence fenced = fences.get(database);
        if (fenced != null && fenced.isFenced()) {
            throw new IOException("database /" + name + "/" + database + " was fenced in this JVM (its lock was lost: "
                    + fenced.lock().lossReason() + "); its pages cached here may be stale: close hapager cluster " + name
                    + " (HapagerDerby.close) before booting it again");
        }
        DatabaseLock lock = new DatabaseLock(pager, path, LockConfig.ofExpiry(settings.lockExpiry()),
                settings.meterRegistry(), (l, reason) -> log.error("database lock {} LOST: {}. This JVM is fenced from"
                        + " database /{}/{}: every further write of it fails.", l.volumeName(), reason, name, database));
        if (!lock.tryAcquire()) {
            log.warn("database lock {} not taken: {}", path, lock.refusal());
            return false;
        }
        ByteBuffer releasedByUs = releasedHere.remove(path);
        if (releasedByUs == null || !releasedByUs.equals(lock.acquiredOver())) {
            names.forgetDatabase(database);
            try {
                reloadCached(database, path);
            } catch (IOException | RuntimeException e) {
                lock.release(); // not booted: the lock must not stay held, nor be renewed, by nobody
                throw e;
            }
        }
        locks.put(path, lock);
        WriteFence fence = new WriteFence(lock, "/" + name + "/" + database, settings.pager().failoverDeadline().toNanos());
        fences.put(database, fence);
        guards.put(database, pager.guard(database, fence));
        return true;
    }

    /**
     * Releases a lock taken by {@link #lockDatabase}; nothing if not held. The database's write fence goes
     * with it, unless the lock was fenced (taken over, or released while suspended): then the fence stays,
     * refusing every write of the database, until the cluster closes.
     */
    void unlockDatabase(String path) {
        DatabaseLock lock = locks.remove(path);
        if (lock == null) {
            return;
        }
        lock.release();
        ByteBuffer released = lock.released();
        if (released != null) {
            releasedHere.put(path, released);
        }
        String database = databaseOf(path);
        WriteFence fence = fences.get(database);
        if (fence != null && fence.lock() == lock && !lock.isFenced()) {
            fences.remove(database);
            SendGuard.Registration r = guards.remove(database);
            if (r != null) {
                r.close();
            }
        }
    }

    /**
     * Reloads every file of {@code database} this cluster cached (but the lock file): taken by a lock that was
     * not acquired over this cluster's own RELEASED record, the lock may have been held by another JVM since
     * these pages and lengths were read, and that JVM may have changed the files. A cluster that outlives a
     * database's shutdown (its idle close) must not boot it again from them.
     */
    private void reloadCached(String database, String lockPath) throws IOException {
        for (String p : cachedUnder(database)) {
            FileContents c = files.get(p);
            if (c != null && !p.equals(lockPath) && !c.reload()) {
                files.remove(p, c);
            }
        }
    }

    /** The database directory of its lock file's path ({@code shop} of {@code shop/dbex.lck}). */
    private static String databaseOf(String lockPath) {
        int slash = lockPath.lastIndexOf('/');
        return slash < 0 ? "" : lockPath.substring(0, slash);
    }

    /**
     * Returns when {@code op} of {@code path} may be issued: at once unless {@code path} is in a database
     * locked by this JVM whose lock is not writable; see {@link WriteFence#awaitWritable}.
     *
     * @throws org.hapager.derby.lock.DatabaseFencedException if this JVM is fenced from that database
     */
    void awaitWritable(String path, String op) throws PageIoException {
        if (fences.isEmpty()) {
            return;
        }
        for (Map.Entry<String, WriteFence> e : fences.entrySet()) {
            String dir = e.getKey();
            if (path.startsWith(dir) && (path.length() == dir.length() || path.charAt(dir.length()) == '/')) {
                WriteFence fence = e.getValue();
                if (!fence.lock().isWritable() && !path.equals(fence.lock().volumeName())) {
                    fence.awaitWritable(op + " of " + path);
                }
            }
        }
    }

    /**
     * Writes back and syncs every file touched through this cluster, but those of databases this JVM is fenced
     * from: they are never written again, and must not keep the others from being synced.
     */
    void syncAll() throws IOException {
        for (FileContents c : files.values()) {
            if (!fencedFrom(c.volume.name())) {
                c.sync();
            }
        }
    }

    /** Whether {@code path} is in a database this JVM is fenced from. */
    private boolean fencedFrom(String path) {
        for (Map.Entry<String, WriteFence> e : fences.entrySet()) {
            String dir = e.getKey();
            if (e.getValue().isFenced() && path.startsWith(dir) && (path.length() == dir.length() || path.charAt(dir.length()) == '/')) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        for (String path : locks.keySet().toArray(String[]::new)) {
            unlockDatabase(path);
        }
        try {
            syncAll();
        } catch (IOException e) {
            log.warn("hapager cluster {}: sync at close failed", name, e);
        }
        pool.close();
        pager.close();
        log.info("hapager cluster {} closed", name);
    }
}
