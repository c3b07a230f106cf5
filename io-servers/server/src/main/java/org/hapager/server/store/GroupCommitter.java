package org.hapager.server.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.hapager.server.metrics.ServerMetrics;
import org.hapager.server.store.OpenFiles.OpenFile;
import org.hapager.wire.Status;

/**
 * Makes writes durable by group commit: one thread collects every write that has finished its positional
 * write, forces each distinct file of the batch once ({@code fdatasync} via {@code force(false)}), then
 * completes the whole batch. While a force runs, new commits accumulate for the next batch, so many
 * in-flight writes share one flush and there is never one fsync per write.
 *
 * <h2>Protocol</h2>
 * A caller that wrote into an {@link OpenFile} hands its reference over with {@link #commit}; the committer
 * releases it after the force, so the channel cannot be closed under the force by a delete, rename or
 * eviction. The returned future completes on the {@code group-commit} thread once the data is durable, or
 * exceptionally with a {@link FlushFailedException}.
 *
 * <h2>A failed force is sticky</h2>
 * A failed force leaves the page cache in an unknown state: Linux may drop the dirty pages it could not write
 * and reports the error once per descriptor, so forcing the same channel again can succeed although the writes
 * before the failure are gone. Hence the first failed force puts the store's {@link StickyFlushFailure} into
 * FAILED (which tells the owner first, see {@link StorageFailure}), and from then on <em>no</em> commit or
 * barrier completes normally: not the rest of the failed file's batch, not commits queued behind it on the same
 * descriptor, not commits of other files or of a reopened channel. They all fail with the first failure, and
 * nothing is forced any more. The page server fences itself on that callback, so none of these failures is
 * ever answered: the client reissues the requests to the secondary.
 *
 * <p>{@link #flush} is a barrier: its future completes after every commit queued before it.
 *
 * <p>Concurrency: {@code queue} and {@code closed} are guarded by {@code this}; everything else belongs to
 * the {@code group-commit} thread.
 */
final class GroupCommitter implements AutoCloseable {

    /** How a file is made durable; tests substitute one that blocks to force batches. */
    interface Forcer {
        void force(FileChannel channel) throws IOException;
    }

    static final Forcer FDATASYNC = channel -> channel.force(false);

    /** One queued commit; {@code file == null} is a flush barrier. */
    private record Pending(OpenFile file, CompletableFuture<Void> durable) {
    }

    private final OpenFiles openFiles;
    private final Forcer forcer;
    private final StickyFlushFailure failures;
    private final ServerMetrics metrics;
    private final Thread thread;
    /** Guarded by {@code this}. */
    private ArrayDeque<Pending> queue = new ArrayDeque<>();
    /** Guarded by {@code this}. */
    private boolean closed;

    GroupCommitter(OpenFiles openFiles, Forcer forcer, StickyFlushFailure failures, ServerMetrics metrics) {
        this.openFiles = openFiles;
        this.forcer = forcer;
        this.failures = failures;
        this.metrics = metrics;
        this.thread = new Thread(this::run, "group-commit");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Takes over the caller's reference to {@code file}; completes once what was written to it is durable. */
    CompletableFuture<Void> commit(OpenFile file) {
        return enqueue(new Pending(file, new CompletableFuture<>()));
    }

    /** Completes after every commit queued before this call. */
    CompletableFuture<Void> flush() {
        return enqueue(new Pending(null, new CompletableFuture<>()));
    }

    private CompletableFuture<Void> enqueue(Pending pending) {
        synchronized (this) {
            if (!closed) {
                queue.add(pending);
                notifyAll();
                return pending.durable;
            }
        }
        if (pending.file != null) {
            openFiles.release(pending.file);
        }
        pending.durable.completeExceptionally(new StoreException(Status.SHUTTING_DOWN, "the server is stopping"));
        return pending.durable;
    }

    private void run() {
        while (true) {
            ArrayDeque<Pending> batch;
            synchronized (this) {
                while (queue.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        // only close() ends this thread; it sets closed first
                    }
                }
                if (queue.isEmpty()) {
                    return;
                }
                batch = queue;
                queue = new ArrayDeque<>();
            }
            commitBatch(batch);
        }
    }

    private void commitBatch(ArrayDeque<Pending> batch) {
        Map<OpenFile, List<Pending>> byFile = new IdentityHashMap<>();
        List<Pending> barriers = new ArrayList<>();
        for (Pending p : batch) {
            if (p.file == null) {
                barriers.add(p);
            } else {
                byFile.computeIfAbsent(p.file, f -> new ArrayList<>()).add(p);
            }
        }
        for (Map.Entry<OpenFile, List<Pending>> e : byFile.entrySet()) {
            OpenFile file = e.getKey();
            List<Pending> writes = e.getValue();
            FlushFailedException failure = failures.failure();
            if (failure == null) {
                failure = force(file, writes.size());
            }
            for (Pending p : writes) {
                openFiles.release(p.file);
                if (failure == null) {
                    p.durable.complete(null);
                } else {
                    p.durable.completeExceptionally(failure);
                }
            }
        }
        FlushFailedException failure = failures.failure();
        for (Pending p : barriers) {
            if (failure == null) {
                p.durable.complete(null);
            } else {
                p.durable.completeExceptionally(failure);
            }
        }
    }

    /** Forces {@code file} once for {@code writes} commits; null if durable, else the (now sticky) failure. */
    private FlushFailedException force(OpenFile file, int writes) {
        IOException failure = null;
        long start = System.nanoTime();
        try {
            forcer.force(file.channel);
        } catch (IOException ex) {
            failure = ex;
        } catch (RuntimeException ex) {
            failure = new IOException(ex);
        }
        metrics.fsync(System.nanoTime() - start, writes);
        if (failure == null) {
            return null;
        }
        FlushFailedException sticky = failures.record(file.path, failure); // tells the owner before anyone hears
        openFiles.forget(file.path); // nobody trusts this channel again
        return sticky;
    }

    /** Commits everything already queued, then stops the thread; later commits fail. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
