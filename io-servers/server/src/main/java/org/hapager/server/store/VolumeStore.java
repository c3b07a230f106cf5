package org.hapager.server.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hapager.server.fault.FaultPoints;
import org.hapager.server.metrics.ServerMetrics;
import org.hapager.wire.Op;
import org.hapager.wire.OpCode;
import org.hapager.wire.Outcome;
import org.hapager.wire.Status;
import org.hapager.wire.WireLimits;

/**
 * The volumes of one data directory, executed asynchronously.
 *
 * <p>{@link #submit} runs an operation on a fixed pool of I/O threads, or page reads and writes on the
 * calling thread when {@code inlinePageIo} is set, and returns a future that completes
 * with the {@link Outcome}, or exceptionally with a {@link StoreException} carrying the protocol status.
 * Futures complete on an I/O thread or on a {@code group-commit-N} thread (writes, compare-and-writes, set
 * length, sync), in any order. A durable write, compare-and-write or length change completes only once it is
 * durable; a compare-and-write is atomic against every other change of its volume (see {@link PageOps}); namespace operations fsync the
 * directories they change before completing.
 *
 * <h2>A failed flush is final</h2>
 * When a force fails (a group commit's {@code fdatasync}, for writes, length changes and syncs alike, or the
 * {@code fsync} of a file or directory a namespace operation changed), the store
 * calls its {@link StorageFailure} once and from then on completes every operation, flush and queued commit
 * exceptionally with a {@link FlushFailedException} (status IO_ERROR): it never again acknowledges a write,
 * whatever file, because the page cache may have dropped data that a later force would not report (see
 * {@link StickyFlushFailure}). The owner is told before any of those futures completes.
 *
 * <h2>Size limits</h2>
 * A write or length change past the {@link SizeLimits} (a volume's length, the sum of all volume lengths) fails with
 * INVALID before anything is written; see {@link SizeGuard} for how the sum is kept without scanning per write.
 *
 * <h2>Error texts</h2>
 * A failed future's {@link StoreException} message is what the client reads: operation, volume name (relative to
 * the volumes root) and reason in words; exception classes and server paths go to the log ({@link IoErrors}).
 *
 * <h2>Layout</h2>
 * {@code DIR/volumes/<name>} is a volume's bytes (each name component stored as {@link VolumePaths} maps it:
 * ASCII as it is); {@code DIR/locks/} is reserved for reservations. What the store creates is private to the
 * server's user: directories 0700, files 0600 (see {@link PrivateFiles}).
 */
public final class VolumeStore implements AutoCloseable {

    /** Channels kept open while unused. */
    static final int OPEN_FILES_CAPACITY = 256;

    private final Path volumesRoot;
    private final VolumePaths paths;
    private final OpenFiles openFiles;
    private final GroupCommitter committer;
    private final StickyFlushFailure failures;
    private final PageOps pages;
    private final NamespaceOps namespace;
    private final SizeGuard sizes;
    private final ExecutorService io;
    private final boolean inlinePageIo;

    /**
     * Opens {@code dataDir} (creating {@code volumes/} and {@code locks/}) with {@code ioThreads} I/O threads;
     * {@code inlinePageIo} runs page reads and writes on the submitting thread instead.
     *
     * @param faults    a test's fault points: {@link FaultPoints#beforeForce()} runs before each group-commit force
     * @param onFailure told once when a force fails, before any request that depended on it completes
     */
    public static VolumeStore open(Path dataDir, WireLimits limits, int ioThreads, boolean inlinePageIo,
                                   ServerMetrics metrics, FaultPoints faults, StorageFailure onFailure) throws IOException {
        return open(dataDir, limits, SizeLimits.NONE, ioThreads, inlinePageIo, metrics, faults, onFailure);
    }

    /**
     * As {@link #open(Path, WireLimits, int, boolean, ServerMetrics, FaultPoints, StorageFailure)}, enforcing
     * {@code sizeLimits}; with a data-directory limit the volumes are counted here, before the store opens.
     */
    public static VolumeStore open(Path dataDir, WireLimits limits, SizeLimits sizeLimits, int ioThreads,
                                   boolean inlinePageIo, ServerMetrics metrics, FaultPoints faults,
                                   StorageFailure onFailure) throws IOException {
        GroupCommitter.Forcer forcer = faults == FaultPoints.NONE ? GroupCommitter.FDATASYNC : channel -> {
            faults.beforeForce();
            GroupCommitter.FDATASYNC.force(channel);
        };
        return new VolumeStore(dataDir, limits, sizeLimits, ioThreads, inlinePageIo, metrics, forcer, onFailure);
    }

    VolumeStore(Path dataDir, WireLimits limits, int ioThreads, boolean inlinePageIo, ServerMetrics metrics,
                GroupCommitter.Forcer forcer, StorageFailure onFailure) throws IOException {
        this(dataDir, limits, SizeLimits.NONE, ioThreads, inlinePageIo, metrics, forcer, onFailure);
    }

    VolumeStore(Path dataDir, WireLimits limits, SizeLimits sizeLimits, int ioThreads, boolean inlinePageIo,
                ServerMetrics metrics, GroupCommitter.Forcer forcer, StorageFailure onFailure) throws IOException {
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads : " + ioThreads + " (expected: >= 1)");
        }
        PrivateFiles.createDirectories(dataDir.resolve("volumes"));
        PrivateFiles.createDirectories(dataDir.resolve("locks"));
        VolumePaths paths = new VolumePaths(dataDir.resolve("volumes"));
        this.paths = paths;
        this.volumesRoot = paths.root();
        this.openFiles = new OpenFiles(OPEN_FILES_CAPACITY);
        this.failures = new StickyFlushFailure(volumesRoot, onFailure);
        this.committer = new GroupCommitter(openFiles, forcer, failures, metrics);
        Durability durability = new Durability(failures);
        this.sizes = new SizeGuard(sizeLimits, volumesRoot);
        this.pages = new PageOps(paths, openFiles, committer, durability, metrics, sizes);
        this.namespace = new NamespaceOps(paths, openFiles, limits, durability, sizes);
        this.inlinePageIo = inlinePageIo;
        AtomicInteger threadNumber = new AtomicInteger();
        this.io = Executors.newFixedThreadPool(ioThreads, r -> {
            Thread t = new Thread(r, "page-io-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The sum of all volume lengths as counted for the data-directory limit (0 when there is none). */
    long countedDataBytes() {
        return sizes.dataBytes();
    }

    /** The directory holding the volumes (real path). */
    public Path volumesRoot() {
        return volumesRoot;
    }

    /** As {@link #submit(Op, Executor)} with no event loop of the caller's. */
    public CompletableFuture<Outcome> submit(Op op) {
        return submit(op, null);
    }

    /**
     * Executes {@code op} on an I/O thread, or a page read or write here if {@code inlinePageIo}. After a failed
     * flush nothing is executed: the future fails at once with the {@link FlushFailedException}.
     *
     * @param local the caller's event loop, or null: with {@code inlinePageIo}, a durable write's force may run
     *              there after the current read, when it is all its file needs (see {@link GroupCommitter})
     */
    public CompletableFuture<Outcome> submit(Op op, Executor local) {
        FlushFailedException failed = failures.failure();
        if (failed != null) {
            return CompletableFuture.failedFuture(StoreException.io(op.code().tag() + " volume " + op.volume()
                    + " not executed", failed));
        }
        if (inlinePageIo && (op.code() == OpCode.READ || op instanceof Op.Write)) {
            return execute(op, local);
        }
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        try {
            io.execute(() -> execute(op, null).whenComplete((outcome, failure) -> {
                if (failure == null) {
                    result.complete(outcome);
                } else {
                    result.completeExceptionally(unwrap(failure));
                }
            }));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new StoreException(Status.SHUTTING_DOWN,
                    op.code().tag() + " volume " + op.volume() + ": the store is closed"));
        }
        return result;
    }

    private CompletableFuture<Outcome> execute(Op op, Executor local) {
        try {
            return switch (op.code()) {
                case READ -> CompletableFuture.completedFuture(pages.read((Op.Read) op));
                case WRITE, WRITE_BUFFERED -> pages.write((Op.Write) op, local);
                case SET_LENGTH -> pages.setLength((Op.SetLength) op);
                case SYNC -> pages.sync((Op.Sync) op);
                case CREATE -> CompletableFuture.completedFuture(namespace.create((Op.Create) op));
                case DELETE -> CompletableFuture.completedFuture(namespace.delete((Op.Delete) op));
                case RENAME -> CompletableFuture.completedFuture(namespace.rename((Op.Rename) op));
                case LIST -> CompletableFuture.completedFuture(namespace.list((Op.List) op));
                case STAT -> CompletableFuture.completedFuture(namespace.stat((Op.Stat) op));
                case MKDIRS -> CompletableFuture.completedFuture(namespace.mkdirs((Op.Mkdirs) op));
                case COMPARE_AND_WRITE -> pages.compareAndWrite((Op.CompareAndWrite) op);
            };
        } catch (StoreException e) {
            return CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(StoreException.io(PageOps.what(op), e)); // logged there, with its stack
        }
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * Drops every cached channel, so the next operation on each volume opens it afresh, and counts the volumes'
     * lengths again if the data directory is limited. A reservation takeover calls this: while another server held
     * the volumes it may have written, renamed or replaced files.
     */
    public void forgetOpenFiles() {
        openFiles.forgetAll();
        try {
            sizes.recount();
        } catch (IOException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(VolumeStore.class).warn(
                    "counting the volumes for the data directory limit failed; keeping the count of {} bytes: {}",
                    sizes.dataBytes(), e.toString(), e);
        }
    }

    /**
     * Completes once every write and length change queued so far is durable; fails with the
     * {@link FlushFailedException} after a failed flush.
     */
    public CompletableFuture<Void> flush() {
        return committer.flush();
    }

    /** Lets running operations finish (bounded by {@code timeoutMillis}), commits what they wrote, closes files. */
    public boolean close(long timeoutMillis) {
        io.shutdown();
        boolean finished;
        try {
            finished = io.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        committer.close();
        openFiles.forgetAll();
        if (finished) {
            paths.close(); // else an operation may still walk from the root handle; the process is ending anyway
        }
        return finished;
    }

    @Override
    public void close() {
        close(10_000);
    }
}
