package org.hapager.derby;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.Mode;
import org.hapager.bufferpool.PageHandle;
import org.hapager.derby.lock.DatabaseFencedException;
import org.hapager.derby.lock.LockLapsedException;
import org.hapager.pager.PageIoException;
import org.hapager.pager.PagerClient;
import org.hapager.pager.Volume;

/**
 * The bytes of one Derby file: a volume on the page servers, read and written through the cluster's buffer
 * pool. One instance per file per cluster ({@link Cluster#contents}); every handle of the file shares it, so
 * a write is visible to every other handle at once, before any sync.
 *
 * <h2>Length</h2>
 * The page servers store whole pages, Derby wants byte-exact lengths. The exact length lives here and is
 * authoritative while the cluster is open; the server's length may run ahead of it (a write-back of the last,
 * partial page rounds the volume up to a page, so any write into that page marks the length for the next
 * sync, whether it grew the file or not) or behind it (a {@link #setLength} that grows). {@link #sync} first
 * writes the pages back, then sets the server's length to the exact one when they may differ, so after a
 * sync the server holds exactly the file. A shrinking {@link #setLength} goes to the server at once.
 *
 * <h2>Invariant: bytes past the end are zero</h2>
 * In pool frames and on the servers, every byte at or past {@link #length()} is zero: writes extend the length
 * over what they write, a shrink zeroes the tail of its last page and drops the pages past it, and the
 * servers read a hole as zeros. So a page may be fixed without caring where the file ends, and growing a
 * file (by {@link #setLength} or by writing past the end) exposes only zeros, as Derby requires.
 *
 * <h2>Concurrency</h2>
 * Page bytes are guarded by the pool's pins (exclusive to write); {@code length}, {@code serverLengthStale}
 * and {@code removed} by this object's monitor. Derby single-threads each handle, not each file. Setting the
 * servers' length (a sync's, a shrink's) excludes writes in progress ({@code lengthLock}): a write marks its
 * pages dirty before it grows {@code length}, so a sync that wrote those pages back and then set the length
 * it read would cut off the data on the servers while the pool holds the pages clean.
 */
final class FileContents {

    private final BufferPool pool;
    private final PagerClient pager;
    final Volume volume;
    private final int pageSize;

    // @GuardedBy("this")
    private long length;
    /** The server's length may differ from {@code length}: the next sync sets it. */
    // @GuardedBy("this")
    private boolean serverLengthStale;
    /** Shared by writes, exclusive to setting the servers' length: see Concurrency. */
    private final ReentrantReadWriteLock lengthLock = new ReentrantReadWriteLock();
    /** Serializes {@link #append}s: each finds the end and writes there before the next. */
    private final Object appendLock = new Object();
    /** Asked before every change of the file: the database's write fence (see {@link Cluster#awaitWritable}). */
    private final WriteGate gate;
    /** Deleted or renamed away: handles still open on it fail. */
    // @GuardedBy("this")
    private String removed;
    /**
     * Pages from here on were past the servers' end when their length was last read, and no write through
     * this object has touched them since: all zeros on the servers, so a write fixes them blank instead of
     * reading them ({@link BufferPool#fixBlank}). A write of a page at or past it moves it past that page.
     */
    // @GuardedBy("this")
    private long blankFrom;

    /** What a change of a file waits for before it is issued: {@link Cluster#awaitWritable}. */
    @FunctionalInterface
    interface WriteGate {
        WriteGate OPEN = (path, op) -> { };

        void awaitWritable(String path, String op) throws IOException;
    }

    FileContents(BufferPool pool, PagerClient pager, Volume volume, long length, WriteGate gate) {
        this.gate = gate;
        this.pool = pool;
        this.pager = pager;
        this.volume = volume;
        this.pageSize = volume.pageSize();
        this.length = length;
        this.blankFrom = pagesOf(length);
    }

    private long pagesOf(long bytes) {
        return (bytes + pageSize - 1) / pageSize;
    }

    synchronized long length() throws IOException {
        checkPresent();
        return length;
    }

    /**
     * Reads up to {@code len} bytes at {@code position} into {@code b}; returns how many, or -1 at or past
     * the end of the file.
     */
    int read(long position, byte[] b, int off, int len) throws IOException {
        long end = length();
        if (position >= end) {
            return len == 0 ? 0 : -1;
        }
        int n = (int) Math.min(len, end - position);
        int done = 0;
        while (done < n) {
            long at = position + done;
            long page = at / pageSize;
            int inPage = (int) (at % pageSize);
            int chunk = Math.min(n - done, pageSize - inPage);
            try (PageHandle h = Uninterruptible.fix(pool, volume, page, Mode.SHARED)) {
                h.buffer().get(inPage, b, off + done, chunk);
            }
            done += chunk;
        }
        return n;
    }

    /** Writes {@code len} bytes of {@code b} at {@code position}, growing the file if they reach past its end. */
    void write(long position, byte[] b, int off, int len) throws IOException {
        checkPresentUnlocked();
        gate.awaitWritable(volume.name(), "write");
        lengthLock.readLock().lock();
        try {
            int done = 0;
            while (done < len) {
                long at = position + done;
                long page = at / pageSize;
                int inPage = (int) (at % pageSize);
                int chunk = Math.min(len - done, pageSize - inPage);
                boolean blank = claimBlank(page) | chunk == pageSize; // zeros on the servers, or overwritten whole
                try (PageHandle h = blank ? Uninterruptible.fixBlank(pool, volume, page)
                        : Uninterruptible.fix(pool, volume, page, Mode.EXCLUSIVE)) {
                    h.buffer().put(inPage, b, off + done, chunk);
                    h.markDirty();
                }
                done += chunk;
                wrote(at + chunk, (page + 1) * pageSize);
            }
        } finally {
            lengthLock.readLock().unlock();
        }
    }

    /** Whether {@code page} is all zeros on the servers (see {@code blankFrom}); it is not from here on. */
    private synchronized boolean claimBlank(long page) {
        if (page < blankFrom) {
            return false;
        }
        blankFrom = page + 1;
        return true;
    }

    /**
     * After a page write that ends at {@code end} in a page ending at {@code pageEnd}: the length grows to
     * {@code end}, and if the page reaches past the end of the file, its write-back will round the server's
     * volume up past it: the next sync must set the exact length (even when this write did not grow the file).
     */
    private synchronized void wrote(long end, long pageEnd) {
        grow(end);
        if (pageEnd > length) {
            serverLengthStale = true;
        }
    }

    /**
     * Writes {@code len} bytes of {@code b} at the end of the file, wherever other handles have moved it
     * (FileOutputStream's append mode, O_APPEND). Appends are atomic with respect to each other.
     */
    void append(byte[] b, int off, int len) throws IOException {
        synchronized (appendLock) {
            write(length(), b, off, len);
        }
    }

    private synchronized void grow(long end) {
        if (end > length) {
            length = end;
            serverLengthStale = true;
        }
    }

    /** Truncates or grows (with zeros) the file; a shrink is durable on return. */
    void setLength(long newLength) throws IOException {
        if (newLength < 0) {
            throw new IOException("set length of " + volume.name() + " to " + newLength + ": negative length");
        }
        long old = length();
        gate.awaitWritable(volume.name(), "set length");
        if (newLength >= old) {
            lengthLock.readLock().lock(); // not while a shrink is between dropping pages and truncating the servers
            try {
                grow(newLength);
            } finally {
                lengthLock.readLock().unlock();
            }
            return;
        }
        lengthLock.writeLock().lock();
        try {
            shrink(newLength);
        } finally {
            lengthLock.writeLock().unlock();
        }
    }

    private void shrink(long newLength) throws IOException {
        long firstDropped = (newLength + pageSize - 1) / pageSize;
        synchronized (this) {
            length = newLength; // readers stop at the new end from here on
        }
        Uninterruptible.discard(pool, volume.name(), firstDropped);
        int tail = (int) (newLength % pageSize);
        if (tail != 0) {
            try (PageHandle h = Uninterruptible.fix(pool, volume, newLength / pageSize, Mode.EXCLUSIVE)) {
                ByteBuffer bytes = h.buffer();
                for (int i = tail; i < pageSize; i++) {
                    bytes.put(i, (byte) 0);
                }
                h.markDirty();
            }
        }
        Uninterruptible.await(pager, () -> pager.setLength(volume.name(), newLength), "set length of " + volume.name() + " to " + newLength);
        // and again: the pool's read-ahead (another handle reading lower pages in order) may have read some of
        // them back, with their old bytes, before the servers truncated
        Uninterruptible.discard(pool, volume.name(), firstDropped);
        synchronized (this) {
            serverLengthStale = tail != 0; // the dirty tail page's write-back rounds the volume up again
        }
    }

    /**
     * Makes every earlier write and length change of this file durable on the page servers. Waits for the
     * database's write fence first; if the lock lapsed under the write-backs (the pager refused to send
     * them), waits for it again and syncs again, a bounded number of times: a lock that resumes costs Derby
     * nothing but time, a fenced one fails the sync with {@code DatabaseFencedException}.
     */
    void sync() throws IOException {
        for (int attempt = 1; ; attempt++) {
            gate.awaitWritable(volume.name(), "sync");
            try {
                syncOnce();
                return;
            } catch (IOException e) {
                if (attempt >= SYNC_ATTEMPTS || !refusedByFence(e)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Forgets the pages and the length this JVM cached: another JVM may have held the database's lock and
     * changed the file since they were read (see {@link Cluster#lockDatabase}). Writes back what is dirty first
     * (nothing is expected: this JVM wrote back before it let the lock go), drops the file's pages from the
     * pool and takes the servers' length, which the other JVM's last sync made exact.
     *
     * @return false if the file is gone from the servers (it is then marked removed: its handles fail)
     */
    boolean reload() throws IOException {
        sync();
        lengthLock.writeLock().lock();
        try {
            Uninterruptible.discard(pool, volume.name(), 0);
            org.hapager.pager.VolumeStat stat = Uninterruptible.await(pager, () -> pager.stat(volume.name()),
                    "stat of " + volume.name());
            synchronized (this) {
                if (!stat.exists() || stat.directory()) {
                    removed = "removed by another JVM while this one did not hold the database's lock";
                    return false;
                }
                length = stat.length();
                blankFrom = pagesOf(length);
                serverLengthStale = false;
                return true;
            }
        } finally {
            lengthLock.writeLock().unlock();
        }
    }

    /** How many times {@link #sync} starts over after the write fence refused its write-backs. */
    private static final int SYNC_ATTEMPTS = 3;

    /** Whether the pager refused one of the write-backs because the database's lock was not writable. */
    private static boolean refusedByFence(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof LockLapsedException || t instanceof DatabaseFencedException) {
                return true;
            }
        }
        return false;
    }

    private void syncOnce() throws IOException {
        boolean lengthMayDiffer;
        synchronized (this) {
            checkPresent();
            // taken before the write-back: a write from here on that may change the server's length sets it again
            lengthMayDiffer = serverLengthStale;
            serverLengthStale = false;
        }
        try {
            Uninterruptible.sync(pool, volume.name());
            if (lengthMayDiffer) {
                lengthLock.writeLock().lock();
                try {
                    long exact = length();
                    Uninterruptible.await(pager, () -> pager.setLength(volume.name(), exact), "sync of " + volume.name() + " (set length " + exact + ")");
                } finally {
                    lengthLock.writeLock().unlock();
                }
            }
        } catch (IOException e) {
            synchronized (this) {
                serverLengthStale = true;
            }
            throw e;
        }
    }

    /** Marks the file gone ({@code why}: deleted, renamed to …); its handles fail from now on. */
    synchronized void markRemoved(String why) {
        removed = why;
    }

    private void checkPresentUnlocked() throws IOException {
        synchronized (this) {
            checkPresent();
        }
    }

    private void checkPresent() throws IOException {
        if (removed != null) {
            throw new IOException(volume.name() + " was " + removed + " while this handle was open");
        }
    }

    @Override
    public String toString() {
        return "FileContents[" + volume + "]";
    }
}
