package org.hapager.derby;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UTFDataFormatException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.CRC32;
import org.apache.derby.io.StorageFile;
import org.apache.derby.io.StorageRandomAccessFile;
import org.apache.derby.io.WritableStorageFactory;

/**
 * One side of {@link StorageDifferentialTest}: a storage factory (Derby's {@code DirStorageFactory} as the
 * reference, or hapager's), the handles opened on it, and how an operation's outcome is written down so the
 * two sides can be compared as strings.
 */
final class StorageWorld {

    enum Kind { RAF, OUT, IN }

    /** An open (or closed but still probed) handle: a random access file, an output or an input stream. */
    static final class Handle {
        final Kind kind;
        final String path;
        final Object io;
        boolean closed;

        Handle(Kind kind, String path, Object io) {
            this.kind = kind;
            this.path = path;
            this.io = io;
        }
    }

    /** An operation, run the same way on both sides. */
    interface Action {
        Object run(StorageWorld w) throws Exception;
    }

    /** What a read returned: the count and the bytes (hashed when compared). */
    record Read(int n, byte[] bytes) {
    }

    final String label;
    final boolean reference;
    WritableStorageFactory factory;
    final List<Handle> handles = new ArrayList<>();

    StorageWorld(String label, boolean reference, WritableStorageFactory factory) {
        this.label = label;
        this.reference = reference;
        this.factory = factory;
    }

    StorageFile file(String path) {
        return factory.newStorageFile(path);
    }

    Handle handle(int i) {
        return handles.get(i);
    }

    StorageRandomAccessFile raf(int i) {
        return (StorageRandomAccessFile) handles.get(i).io;
    }

    OutputStream out(int i) {
        return (OutputStream) handles.get(i).io;
    }

    InputStream in(int i) {
        return (InputStream) handles.get(i).io;
    }

    void add(Kind kind, String path, Object io) {
        handles.add(new Handle(kind, path, io));
    }

    /** Closes handle {@code i}; {@code forget} also takes it off the list (else later steps probe it closed). */
    void close(int i, boolean forget) throws IOException {
        Handle h = handles.get(i);
        closeQuietly(h);
        if (forget) {
            handles.remove(i);
        }
    }

    private static void closeQuietly(Handle h) throws IOException {
        h.closed = true;
        if (h.io instanceof StorageRandomAccessFile raf) {
            raf.close(); // not a Closeable
        } else {
            ((java.io.Closeable) h.io).close();
        }
    }

    /**
     * After a successful delete or rename of {@code path}: closes and forgets every handle on it or under it.
     * On POSIX a handle outlives its name (it keeps the inode); a hapager handle fails once its file is
     * deleted or renamed away. Derby closes its files before it deletes or renames them (it must: Windows
     * refuses both on an open file), so the test does not use such handles on either side.
     */
    void dropUnder(String path) throws IOException {
        for (int i = handles.size() - 1; i >= 0; i--) {
            String p = handles.get(i).path;
            if (p.equals(path) || p.startsWith(path + "/")) {
                closeQuietly(handles.remove(i));
            }
        }
    }

    void closeAll() throws IOException {
        for (Handle h : handles) {
            closeQuietly(h);
        }
        handles.clear();
    }

    /**
     * Renames. The reference calls {@link File#renameTo} directly: that is what {@code DirFile.renameTo} calls,
     * but DirFile retries a failed rename five times with sleeps of 1 to 5 s (a failing rename would take 15 s).
     */
    boolean rename(String from, String to) {
        if (reference) {
            return ((File) file(from)).renameTo((File) file(to));
        }
        return file(from).renameTo(file(to));
    }

    /** The exception of the last {@link #apply} that threw, for failure messages. */
    Exception lastError;

    /** Runs {@code action} here; its outcome as a comparable string. */
    String apply(Action action) {
        lastError = null;
        try {
            return describe(action.run(this));
        } catch (Exception e) {
            lastError = e;
            return "threw " + category(e);
        }
    }

    /**
     * The exception class as compared. Derby tells apart FileNotFoundException (a missing file), EOFException
     * (the end of a file) and UTFDataFormatException; any other IOException is an I/O failure to it, so
     * hapager's PageIoException (which carries the servers' reason) and the JDK's SyncFailedException compare
     * as plain IOException. Unchecked exceptions compare by their class.
     */
    static String category(Exception e) {
        if (e instanceof FileNotFoundException || e instanceof EOFException || e instanceof UTFDataFormatException) {
            return e.getClass().getSimpleName();
        }
        if (e instanceof IOException) {
            return "IOException";
        }
        return e.getClass().getName();
    }

    static String describe(Object o) {
        if (o == null) {
            return "null";
        }
        if (o instanceof String[] names) {
            String[] sorted = names.clone();
            Arrays.sort(sorted); // File.list() has no order
            return Arrays.toString(sorted);
        }
        if (o instanceof Read r) {
            return "n=" + r.n() + " " + digest(r.bytes(), Math.max(0, r.n()));
        }
        if (o instanceof byte[] b) {
            return digest(b, b.length);
        }
        return o.toString();
    }

    static String digest(byte[] b, int n) {
        CRC32 crc = new CRC32();
        crc.update(b, 0, n);
        return "bytes[" + n + "] crc " + Long.toHexString(crc.getValue());
    }

    static long pointer(StorageRandomAccessFile raf) {
        try {
            return raf.getFilePointer();
        } catch (IOException e) {
            return -1;
        }
    }

    static long length(StorageRandomAccessFile raf) {
        try {
            return raf.length();
        } catch (IOException e) {
            return -1;
        }
    }

    // ------------------------------------------------------------------ snapshots

    /** Derby's database lock file, left out of a {@link #tree()}. */
    static final String LOCK_FILE = "dbex.lck";

    /** Marks a directory in a {@link #tree()}. */
    static final byte[] DIRECTORY = new byte[0];

    /**
     * Every file and directory under the database directory but its lock file: relative path → bytes, or
     * {@link #DIRECTORY}.
     */
    SortedMap<String, byte[]> tree() throws IOException {
        SortedMap<String, byte[]> out = new TreeMap<>();
        walk(file(null), "", out);
        return out;
    }

    private void walk(StorageFile dir, String prefix, SortedMap<String, byte[]> out) throws IOException {
        String[] names = dir.list();
        if (names == null) {
            throw new IOException(label + ": cannot list " + prefix);
        }
        for (String name : names) {
            if (prefix.isEmpty() && name.equals(LOCK_FILE)) {
                continue; // taken on the hapager side only (see StorageDifferentialTest)
            }
            StorageFile child = factory.newStorageFile(dir, name);
            String rel = prefix + name;
            if (child.isDirectory()) {
                out.put(rel, DIRECTORY);
                walk(child, rel + "/", out);
            } else {
                out.put(rel, readAll(child));
            }
        }
    }

    static byte[] readAll(StorageFile f) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (InputStream in = f.getInputStream()) {
            in.transferTo(bytes);
        }
        return bytes.toByteArray();
    }

    /** Null if equal, else what differs first (a name, a kind, a length or a byte offset). */
    static String difference(SortedMap<String, byte[]> expected, SortedMap<String, byte[]> actual) {
        if (!expected.keySet().equals(actual.keySet())) {
            return "names differ: reference " + expected.keySet() + ", hapager " + actual.keySet();
        }
        for (var e : expected.entrySet()) {
            byte[] a = e.getValue();
            byte[] b = actual.get(e.getKey());
            if ((a == DIRECTORY) != (b == DIRECTORY)) {
                return e.getKey() + ": " + (a == DIRECTORY ? "a directory" : "a file") + " in the reference, not in hapager";
            }
            if (a != DIRECTORY && !Arrays.equals(a, b)) {
                int at = Arrays.mismatch(a, b);
                return e.getKey() + ": length " + a.length + " vs " + b.length + ", first difference at byte " + at
                        + (at < Math.min(a.length, b.length) ? " (" + a[at] + " vs " + b[at] + ", page " + at / 4096
                        + " offset " + at % 4096 + ")" : "");
            }
        }
        return null;
    }
}
