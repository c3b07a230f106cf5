package org.hapager.derby;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.derby.io.StorageFile;
import org.apache.derby.io.StorageRandomAccessFile;
import org.apache.derby.shared.common.error.StandardException;
import org.hapager.pager.DirectoryEntry;
import org.hapager.pager.PageIoException;

/**
 * A file or directory name of a hapager database, with {@link java.io.File}'s semantics as Derby's storage
 * interface asks. Immutable; the bytes live in the cluster's {@link FileContents}.
 *
 * <h2>Errors</h2>
 * Methods that answer a question with a boolean ({@code exists}, {@code delete}, {@code mkdirs}…) answer
 * {@code false} for what the question is about (missing, already there, not empty). When the page servers
 * cannot answer at all (no server within the failover deadline, a storage error) they throw
 * {@link UncheckedIOException}: a wrong {@code false} from {@code exists()} could make Derby take a live
 * database for a missing one.
 */
final class HapagerFile implements StorageFile {

    private final HapagerStorageFactory factory;
    /** Cluster-relative path; "" is the cluster root. */
    final String path;

    HapagerFile(HapagerStorageFactory factory, String path) {
        this.factory = factory;
        this.path = path;
    }

    private Cluster cluster() throws IOException {
        return factory.cluster();
    }

    /**
     * What is at this name. In the root factory (Derby's {@code derby.system.home}, where no hapager database
     * lives) the root is an empty directory and nothing else exists: Derby lists it to find the databases to
     * boot at start-up ({@code derby.system.bootAll}) and finds nothing there.
     */
    private NameCache.Kind kind() {
        if (factory.isRoot()) {
            return path.isEmpty() ? NameCache.Kind.DIRECTORY : NameCache.Kind.MISSING;
        }
        try {
            return cluster().kind(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** False for expected outcomes; throws when the servers could not answer. */
    private static boolean answered(IOException e) {
        if (e instanceof PageIoException p) {
            switch (p.kind()) {
                case NOT_FOUND, ALREADY_EXISTS, NOT_EMPTY, INVALID -> {
                    return false;
                }
                default -> {
                }
            }
        }
        throw new UncheckedIOException(e);
    }

    @Override
    public String[] list() {
        if (factory.isRoot()) {
            return path.isEmpty() ? new String[0] : null; // see rootStat
        }
        try {
            Cluster c = cluster();
            List<DirectoryEntry> entries = Uninterruptible.await(c.pager, () -> c.pager.list(path), "list of " + getPath());
            return entries.stream().map(DirectoryEntry::name).toArray(String[]::new);
        } catch (IOException e) {
            answered(e);
            return null; // not a directory
        }
    }

    /** True if it exists, file or directory (whose entries can be changed): as java.io.File for its owner. */
    @Override
    public boolean canWrite() {
        return kind().exists();
    }

    @Override
    public boolean exists() {
        return (factory.isRoot() || !path.isEmpty()) && kind().exists();
    }

    @Override
    public boolean isDirectory() {
        return kind() == NameCache.Kind.DIRECTORY;
    }

    @Override
    public boolean delete() {
        try {
            cluster().delete(path);
            return true;
        } catch (IOException e) {
            if (!kind().exists()) {
                return false; // not there (NOT_FOUND, also for a path under a file), or gone meanwhile
            }
            return answered(e);
        }
    }

    @Override
    public boolean deleteAll() {
        NameCache.Kind kind = kind();
        if (!kind.exists()) {
            return false;
        }
        if (kind == NameCache.Kind.DIRECTORY) {
            String[] children = list();
            if (children == null) {
                return false;
            }
            for (String child : children) {
                if (!new HapagerFile(factory, path + "/" + child).deleteAll()) {
                    return false;
                }
            }
        }
        return delete();
    }

    @Override
    public String getPath() {
        return factory.absolute(path);
    }

    @Override
    public String getCanonicalPath() {
        return getPath();
    }

    @Override
    public String getName() {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    @Override
    public boolean createNewFile() throws IOException {
        StorageFile parent = getParentDir();
        if (parent != null && !parent.isDirectory()) {
            throw new IOException("cannot create " + getPath() + ": directory " + parent.getPath() + " does not exist");
        }
        return cluster().createExclusive(path);
    }

    @Override
    public boolean renameTo(StorageFile newName) {
        try {
            cluster().rename(path, ((HapagerFile) newName).path, true);
            return true;
        } catch (IOException e) {
            return answered(e);
        }
    }

    @Override
    public boolean mkdir() {
        StorageFile parent = getParentDir();
        if (exists() || (parent != null && !parent.isDirectory())) {
            return false;
        }
        return mkdirs();
    }

    @Override
    public boolean mkdirs() {
        if (path.isEmpty() || exists()) {
            return false;
        }
        try {
            cluster().mkdirs(path);
            return true;
        } catch (IOException e) {
            return answered(e);
        }
    }

    @Override
    public StorageFile getParentDir() {
        int slash = path.lastIndexOf('/');
        return path.isEmpty() ? null : new HapagerFile(factory, slash < 0 ? "" : path.substring(0, slash));
    }

    /** Files on page servers have no permission bits of their own: not supported. */
    @Override
    public boolean setReadOnly() {
        return false;
    }

    @Override
    public OutputStream getOutputStream() throws FileNotFoundException {
        return getOutputStream(false);
    }

    @Override
    public OutputStream getOutputStream(boolean append) throws FileNotFoundException {
        try {
            FileContents c = cluster().create(path, !append);
            return new ContentsOutputStream(c, append);
        } catch (FileNotFoundException e) {
            throw e;
        } catch (IOException e) {
            throw notFound("open for writing", e);
        }
    }

    @Override
    public InputStream getInputStream() throws FileNotFoundException {
        try {
            return new ContentsInputStream(cluster().contents(path));
        } catch (FileNotFoundException e) {
            throw e;
        } catch (IOException e) {
            throw notFound("open for reading", e);
        }
    }

    private FileNotFoundException notFound(String what, IOException cause) {
        FileNotFoundException e = new FileNotFoundException("cannot " + what + " " + getPath() + ": " + cause.getMessage());
        e.initCause(cause);
        return e;
    }

    /**
     * Derby's guard against a second JVM booting the database: a lock with an expiry on the page servers (see
     * {@link Cluster#lockDatabase}). Another live holder gives {@code EXCLUSIVE_FILE_LOCK_NOT_AVAILABLE}, which
     * Derby reports as "another instance of Derby may have already booted the database".
     */
    @Override
    public int getExclusiveFileLock() throws StandardException {
        try {
            if (cluster().lockDatabase(path)) {
                return EXCLUSIVE_FILE_LOCK;
            }
        } catch (IOException e) {
            throw StandardException.plainWrapException(e);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw StandardException.plainWrapException(new java.io.InterruptedIOException(
                    "interrupted while taking the database lock " + getPath()));
        }
        return EXCLUSIVE_FILE_LOCK_NOT_AVAILABLE;
    }

    @Override
    public void releaseExclusiveFileLock() {
        try {
            cluster().unlockDatabase(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public StorageRandomAccessFile getRandomAccessFile(String mode) throws FileNotFoundException {
        boolean writable = switch (mode) {
            case "r" -> false;
            case "rw", "rws", "rwd" -> true;
            default -> throw new IllegalArgumentException("mode : \"" + mode + "\" (expected: r, rw, rws or rwd)");
        };
        try {
            FileContents c = writable ? cluster().create(path, false) : cluster().contents(path);
            return new HapagerRandomAccessFile(c, mode, writable);
        } catch (FileNotFoundException e) {
            throw e;
        } catch (IOException e) {
            throw notFound("open (" + mode + ")", e);
        }
    }

    /** The page servers keep their files private to their own user: nothing to do per file. */
    @Override
    public void limitAccessToOwner() {
    }

    @Override
    public String toString() {
        return getPath();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HapagerFile f && f.getPath().equals(getPath());
    }

    @Override
    public int hashCode() {
        return getPath().hashCode();
    }
}
