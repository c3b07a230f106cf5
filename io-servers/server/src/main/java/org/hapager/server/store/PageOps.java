package org.hapager.server.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.hapager.server.metrics.ServerMetrics;
import org.hapager.server.store.OpenFiles.OpenFile;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.hapager.wire.Status;

/**
 * The page operations: read, write, compare-and-write, set length and sync. Runs on the I/O threads; durable
 * writes, compare-and-writes, length changes and syncs hand their file to the {@link GroupCommitter} and complete
 * once it has forced the file; a buffered write completes once it is in the file (see {@link Op.Write}). Writes
 * and length changes are checked against the {@link SizeGuard}'s limits before anything is written.
 *
 * <h2>Compare-and-write is atomic</h2>
 * A compare-and-write reads its page, compares it and writes it while holding its volume's lock
 * ({@link #lockOf}); every plain write and length change of the volume changes the file under the same lock.
 * So no write can land between the comparison and the write and be silently overwritten, and two
 * compare-and-writes of one page never both succeed on the same old bytes: each volume's changes are applied
 * one at a time, in some order, and a compare-and-write sees the page as the changes before it left it. The
 * lock covers only the {@code pwrite} or {@code ftruncate}, never the force, and writes of one file are
 * serialized by the kernel's inode lock anyway, so plain writes lose next to nothing by taking it. Reads do not
 * take it. The lock is one of {@link #VOLUME_LOCKS} striped by the volume's path, not the {@link OpenFile}'s
 * monitor: an open file evicted from the cache while in use and opened again is a second object for the same
 * volume. Both servers of a pair never write at once (the storage reservation), so this lock is all the
 * atomicity needs.
 */
final class PageOps {

    /** Stripes of the volume locks; two volumes may share one, costing only a little contention. */
    static final int VOLUME_LOCKS = 64;

    private final VolumePaths paths;
    private final OpenFiles openFiles;
    private final GroupCommitter committer;
    private final Durability durability;
    private final ServerMetrics metrics;
    private final SizeGuard sizes;
    /** Held while a volume's file is changed; see the class comment. */
    private final Object[] volumeLocks = new Object[VOLUME_LOCKS];

    PageOps(VolumePaths paths, OpenFiles openFiles, GroupCommitter committer, Durability durability,
            ServerMetrics metrics, SizeGuard sizes) {
        this.sizes = sizes;
        this.durability = durability;
        this.paths = paths;
        this.openFiles = openFiles;
        this.committer = committer;
        this.metrics = metrics;
        for (int i = 0; i < volumeLocks.length; i++) {
            volumeLocks[i] = new Object();
        }
    }

    /** The lock every change of {@code file}'s volume is made under (keyed by its path, not the object). */
    private Object lockOf(OpenFile file) {
        return volumeLocks[Math.floorMod(file.path.hashCode(), volumeLocks.length)];
    }

    Outcome read(Op.Read op) throws StoreException {
        OpenFile file = open(op);
        try {
            int length = op.pageSize() * op.pageCount();
            long offset = op.firstPage() * op.pageSize();
            ByteBuffer data = ByteBuffer.allocate(length);
            long volumeLength = file.channel.size();
            while (data.hasRemaining()) {
                int n = file.channel.read(data, offset + data.position());
                if (n < 0) {
                    break; // past the end: the rest reads as zeros
                }
            }
            data.clear();
            metrics.bytesRead(length);
            return new Outcome.PagesRead(volumeLength, PageChecksums.compute(data, op.pageSize(), op.pageCount()), data);
        } catch (IOException e) {
            throw StoreException.io(what(op), e);
        } finally {
            openFiles.release(file);
        }
    }

    /** {@code local}: the caller's event loop or null, where the write's force may run (see {@link GroupCommitter}). */
    CompletableFuture<Outcome> write(Op.Write op, Executor local) throws StoreException {
        ByteBuffer data = op.data().duplicate();
        int mismatch = PageChecksums.firstMismatch(data, op.pageSize(), op.crcs());
        if (mismatch >= 0) {
            throw new StoreException(Status.CHECKSUM_MISMATCH, "volume " + op.volume() + " page "
                    + (op.firstPage() + mismatch) + ": checksum mismatch");
        }
        long offset = op.firstPage() * op.pageSize();
        long end = offset + (long) op.pageSize() * op.pageCount();
        if (end > sizes.limits().maxVolumeBytes()) {
            sizes.refuseWrite(what(op), end);
        }
        OpenFile file = open(op);
        long volumeLength;
        try {
            FileChannel channel = file.channel;
            synchronized (lockOf(file)) {
                writeAt(file, op, end, data, offset);
                volumeLength = channel.size();
            }
        } catch (StoreException e) {
            openFiles.release(file);
            throw e;
        } catch (IOException e) {
            openFiles.release(file);
            throw StoreException.io(what(op), e);
        }
        int bytes = op.pageSize() * op.pageCount();
        if (!op.durable()) {
            // in the file, not yet on the storage: the next force of this file (a durable write's, a length
            // change's, a sync's, by this server or the next) makes it durable; until then the client keeps a copy
            file.bufferedSinceForce = true;
            openFiles.release(file);
            metrics.bytesWritten(bytes);
            return CompletableFuture.completedFuture(new Outcome.PagesWritten(volumeLength));
        }
        return committer.commit(file, local).handle((ok, failure) -> {
            if (failure != null) {
                throw new java.util.concurrent.CompletionException(StoreException.io(what(op) + ": force", failure));
            }
            metrics.bytesWritten(bytes);
            return new Outcome.PagesWritten(volumeLength);
        });
    }

    /**
     * Compares the page with {@code op.expected()} and writes {@code op.data()} only if they are equal, under the
     * volume's lock (see the class comment). Either way the answer waits for a force of the file, so the page as
     * reported, written or compared, is durable: a miscompare never reports bytes that a crash could take back.
     */
    CompletableFuture<Outcome> compareAndWrite(Op.CompareAndWrite op) throws StoreException {
        int pageSize = op.pageSize();
        if (PageChecksums.firstMismatch(op.expected(), pageSize, new int[] {op.expectedCrc()}) >= 0
                || PageChecksums.firstMismatch(op.data(), pageSize, new int[] {op.dataCrc()}) >= 0) {
            throw new StoreException(Status.CHECKSUM_MISMATCH, what(op) + ": checksum mismatch");
        }
        long offset = op.page() * pageSize;
        long end = offset + pageSize;
        if (end > sizes.limits().maxVolumeBytes()) {
            sizes.refuseWrite(what(op), end);
        }
        OpenFile file = open(op);
        ByteBuffer current = ByteBuffer.allocate(pageSize);
        boolean written;
        long volumeLength;
        try {
            FileChannel channel = file.channel;
            synchronized (lockOf(file)) {
                readFully(channel, current, offset);
                current.clear();
                written = current.equals(op.expected());
                if (written) {
                    writeAt(file, op, end, op.data().duplicate(), offset);
                }
                volumeLength = channel.size();
            }
        } catch (StoreException e) {
            openFiles.release(file);
            throw e;
        } catch (IOException e) {
            openFiles.release(file);
            throw StoreException.io(what(op), e);
        }
        metrics.bytesRead(pageSize);
        return committer.commit(file).handle((ok, failure) -> {
            if (failure != null) {
                throw new java.util.concurrent.CompletionException(StoreException.io(what(op) + ": force", failure));
            }
            if (!written) {
                return new Outcome.Compared(false, volumeLength, PageChecksums.compute(current, pageSize, 1)[0], current);
            }
            metrics.bytesWritten(pageSize);
            return Outcome.Compared.written(volumeLength);
        });
    }

    /** Writes {@code data} at {@code offset}, its growth counted against the data-directory limit if there is one. */
    private void writeAt(OpenFile file, Op op, long end, ByteBuffer data, long offset) throws IOException, StoreException {
        if (sizes.countsData()) {
            counted(file, op, end, () -> writeFully(file.channel, data, offset));
        } else {
            writeFully(file.channel, data, offset);
        }
    }

    /** Fills {@code into} from {@code offset} on; what lies past the end of the file is left as zeros. */
    private static void readFully(FileChannel channel, ByteBuffer into, long offset) throws IOException {
        while (into.hasRemaining()) {
            if (channel.read(into, offset + into.position()) < 0) {
                break;
            }
        }
    }

    /** Writes what remains of {@code data} at {@code offset} on. */
    private static void writeFully(FileChannel channel, ByteBuffer data, long offset) throws IOException {
        int start = data.position();
        while (data.hasRemaining()) {
            channel.write(data, offset + data.position() - start);
        }
    }

    /** An operation in the protocol's terms, for error texts: "write volume db/v pages 0..3 of 4096 bytes (…)". */
    static String what(Op op) {
        if (op instanceof Op.Read r) {
            return "read volume " + r.volume() + " pages " + describe(r.firstPage(), r.pageCount(), r.pageSize());
        }
        if (op instanceof Op.Write w) {
            return "write volume " + w.volume() + " pages " + describe(w.firstPage(), w.pageCount(), w.pageSize());
        }
        if (op instanceof Op.CompareAndWrite c) {
            return "compare-and-write volume " + c.volume() + " page " + describe(c.page(), 1, c.pageSize());
        }
        if (op instanceof Op.SetLength l) {
            return "set length of volume " + l.volume() + " to " + l.length();
        }
        return op.code().tag() + " volume " + op.volume();
    }

    CompletableFuture<Outcome> setLength(Op.SetLength op) throws StoreException {
        String what = what(op);
        OpenFile file = open(op);
        try {
            FileChannel channel = file.channel;
            if (op.length() > sizes.limits().maxVolumeBytes() && op.length() > channel.size()) {
                sizes.refuseLength(what, op.length()); // a shrink of a volume already past the limit is fine
            }
            IoAction change = () -> {
                long size = channel.size();
                if (op.length() < size) {
                    channel.truncate(op.length());
                } else if (op.length() > size) {
                    // one zero byte at the new end; the hole before it reads as zeros
                    channel.write(ByteBuffer.allocate(1), op.length() - 1);
                }
            };
            synchronized (lockOf(file)) {
                if (sizes.countsData()) {
                    counted(file, op, op.length(), change);
                } else {
                    change.run();
                }
            }
        } catch (StoreException e) {
            openFiles.release(file);
            throw e;
        } catch (IOException e) {
            openFiles.release(file);
            throw StoreException.io(what, e);
        }
        return committer.commit(file).handle((ok, failure) -> {
            if (failure != null) {
                throw new java.util.concurrent.CompletionException(StoreException.io(what + ": force", failure));
            }
            return Outcome.Done.INSTANCE;
        });
    }

    /**
     * Makes the volume durable: fsyncs its directory entry here, the first time through this channel (creates and
     * renames fsync the directories they change themselves; this covers a file another process created and did
     * not get to fsync), then hands the file to the group committer like a write. Every force of a volume's
     * channel thus runs in its file's lane of the committer, one after another: Linux reports a failed writeback
     * once per descriptor, so two threads forcing one channel at once could see one EIO and one success, and the
     * success could be acknowledged before the failure is recorded (see {@link StickyFlushFailure}).
     * {@code fdatasync} also makes the file's length durable.
     */
    CompletableFuture<Outcome> sync(Op.Sync op) throws StoreException {
        String what = "sync volume " + op.volume();
        OpenFile file = open(op);
        if (!file.entryDurable) {
            try (VolumePaths.Location location = paths.locate(op.volume(), false)) {
                if (!location.parentExists()) {
                    throw StoreException.notFound(op.volume()); // deleted meanwhile
                }
                durability.fsyncDirectory(location.parent, file.path.getParent());
                file.entryDurable = true;
            } catch (StoreException e) {
                openFiles.release(file);
                throw e;
            } catch (IOException e) {
                openFiles.release(file);
                throw StoreException.io(what, e);
            }
        }
        return committer.commit(file).handle((ok, failure) -> {
            if (failure != null) {
                throw new java.util.concurrent.CompletionException(StoreException.io(what + ": force", failure));
            }
            return Outcome.Done.INSTANCE;
        });
    }

    /** A change of a volume file (a write or a length change). */
    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    /**
     * Runs {@code change}, which makes the volume {@code newEnd} bytes long or longer (a write) or exactly that long
     * (a length change), under the volume's lock, with its growth reserved against the data-directory limit
     * before and settled to the file's real length after (see {@link SizeGuard}).
     */
    private void counted(OpenFile file, Op op, long newEnd, IoAction change) throws IOException, StoreException {
        synchronized (file) {
            long before = file.channel.size();
            long reserved = sizes.reserveGrowth(op, before, newEnd);
            long after = before + reserved;
            try {
                change.run();
            } finally {
                try {
                    after = file.channel.size();
                } catch (IOException e) {
                    // keep the reservation: the write may have grown the file
                }
                sizes.adjust(after - before - reserved);
            }
        }
    }

    /**
     * The open channel of the volume of {@code op}: NOT_FOUND if missing, INVALID if it is a directory, a link or
     * has more than one link; an I/O failure is reported as a failure of the operation. A miss in the cache opens
     * the file through the directory handles of {@link VolumePaths}.
     */
    private OpenFile open(Op op) throws StoreException {
        String volume = op.volume();
        Path key = paths.key(volume, false);
        OpenFile cached = openFiles.acquireCached(key);
        if (cached != null) {
            return cached; // checked when opened: no file-system calls on the hot path
        }
        try (VolumePaths.Location location = paths.locate(volume, false)) {
            if (!location.parentExists()) {
                throw StoreException.notFound(volume);
            }
            return openFiles.acquire(key, () -> paths.openVolume(location));
        } catch (NoSuchFileException e) {
            throw StoreException.notFound(volume);
        } catch (IOException e) {
            throw StoreException.io(what(op), e);
        }
    }

    private static String describe(long firstPage, int pageCount, int pageSize) {
        long offset = firstPage * pageSize;
        return firstPage + ".." + (firstPage + pageCount - 1) + " of " + pageSize + " bytes (offsets " + offset
                + ".." + (offset + (long) pageCount * pageSize) + ")";
    }
}
