package org.hapager.server.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.hapager.server.metrics.ServerMetrics;
import org.hapager.server.store.OpenFiles.OpenFile;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.hapager.wire.Status;

/**
 * The page operations: read, write, set length and sync. Runs on the I/O threads; writes, length changes and
 * syncs hand their file to the {@link GroupCommitter} and complete once it has forced the file.
 */
final class PageOps {

    private final VolumePaths paths;
    private final OpenFiles openFiles;
    private final GroupCommitter committer;
    private final Durability durability;
    private final ServerMetrics metrics;

    PageOps(VolumePaths paths, OpenFiles openFiles, GroupCommitter committer, Durability durability,
            ServerMetrics metrics) {
        this.durability = durability;
        this.paths = paths;
        this.openFiles = openFiles;
        this.committer = committer;
        this.metrics = metrics;
    }

    Outcome read(Op.Read op) throws StoreException {
        OpenFile file = open(op.volume());
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
            throw StoreException.io("read volume " + op.volume() + " pages "
                    + describe(op.firstPage(), op.pageCount(), op.pageSize()), e);
        } finally {
            openFiles.release(file);
        }
    }

    CompletableFuture<Outcome> write(Op.Write op) throws StoreException {
        ByteBuffer data = op.data().duplicate();
        int mismatch = PageChecksums.firstMismatch(data, op.pageSize(), op.crcs());
        if (mismatch >= 0) {
            throw new StoreException(Status.CHECKSUM_MISMATCH, "volume " + op.volume() + " page "
                    + (op.firstPage() + mismatch) + ": checksum mismatch");
        }
        OpenFile file = open(op.volume());
        long volumeLength;
        try {
            long offset = op.firstPage() * op.pageSize();
            int start = data.position();
            while (data.hasRemaining()) {
                file.channel.write(data, offset + data.position() - start);
            }
            volumeLength = file.channel.size();
        } catch (IOException e) {
            openFiles.release(file);
            throw StoreException.io(describeWrite(op), e);
        }
        int bytes = op.pageSize() * op.pageCount();
        return committer.commit(file).handle((ok, failure) -> {
            if (failure != null) {
                throw new java.util.concurrent.CompletionException(StoreException.io(describeWrite(op) + ": force", failure));
            }
            metrics.bytesWritten(bytes);
            return new Outcome.PagesWritten(volumeLength);
        });
    }

    private static String describeWrite(Op.Write op) {
        return "write volume " + op.volume() + " pages " + describe(op.firstPage(), op.pageCount(), op.pageSize());
    }

    CompletableFuture<Outcome> setLength(Op.SetLength op) throws StoreException {
        String what = "set length of volume " + op.volume() + " to " + op.length();
        OpenFile file = open(op.volume());
        try {
            FileChannel channel = file.channel;
            long size = channel.size();
            if (op.length() < size) {
                channel.truncate(op.length());
            } else if (op.length() > size) {
                // one zero byte at the new end; the hole before it reads as zeros
                channel.write(ByteBuffer.allocate(1), op.length() - 1);
            }
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
     * Makes the volume durable: fsyncs its directory here, then hands the file to the group committer like a write.
     * Every force of a volume's channel thus runs on the one {@code group-commit} thread, one after another: Linux
     * reports a failed writeback once per descriptor, so two threads forcing one channel at once could see one EIO
     * and one success, and the success could be acknowledged before the failure is recorded (see
     * {@link StickyFlushFailure}). {@code fdatasync} also makes the file's length durable.
     */
    CompletableFuture<Outcome> sync(Op.Sync op) throws StoreException {
        String what = "sync volume " + op.volume();
        OpenFile file = open(op.volume());
        try (VolumePaths.Location location = paths.locate(op.volume(), false)) {
            if (!location.parentExists()) {
                throw StoreException.notFound(op.volume()); // deleted meanwhile
            }
            durability.fsyncDirectory(location.parent, file.path.getParent());
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
     * The open channel of an existing volume: NOT_FOUND if missing, INVALID if it is a directory, a link or has more
     * than one link. A miss in the cache opens the file through the directory handles of {@link VolumePaths}.
     */
    private OpenFile open(String volume) throws StoreException {
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
            throw StoreException.io("open volume " + volume, e);
        }
    }

    private static String describe(long firstPage, int pageCount, int pageSize) {
        long offset = firstPage * pageSize;
        return firstPage + ".." + (firstPage + pageCount - 1) + " of " + pageSize + " bytes (offsets " + offset
                + ".." + (offset + (long) pageCount * pageSize) + ")";
    }
}
