package org.hapager.server.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hapager.server.metrics.ServerMetrics;
import org.hapager.server.store.OpenFiles.OpenFile;
import org.hapager.wire.Status;

/**
 * Makes writes durable by group commit, one lane per file: the writes of a file that finished their positional
 * write while a force of it ran are forced together by the next ({@code fdatasync} via {@code force(false)}),
 * then completed; there is never one force per write. Files are forced independently, on a few threads: a
 * checkpoint's force of a large data file does not hold up the small force a database's log commit waits for.
 *
 * <h2>Protocol</h2>
 * A caller that wrote into an {@link OpenFile} hands its reference over with {@link #commit}; the committer
 * releases it after the force, so the channel cannot be closed under the force by a delete, rename or
 * eviction. The returned future completes on a {@code group-commit-N} thread once the data is durable, or
 * exceptionally with a {@link FlushFailedException}.
 *
 * <h2>Lanes</h2>
 * A lane holds the commits of one open file (one descriptor) not yet forced. It is drained by at most one thread
 * at a time, batch after batch, until it is empty; then it is removed. So every force of one channel runs after
 * the previous one returned, which the failure rule below needs, while different files' forces overlap.
 *
 * <h2>A failed force is sticky</h2>
 * A failed force leaves the page cache in an unknown state: Linux may drop the dirty pages it could not write
 * and reports the error once per descriptor, so forcing the same channel again can succeed although the writes
 * before the failure are gone. Hence the first failed force puts the store's {@link StickyFlushFailure} into
 * FAILED (which tells the owner first, see {@link StorageFailure}), and from then on <em>no</em> commit or
 * barrier completes normally: not the rest of the failed file's batch, not commits queued behind it on the same
 * descriptor, not commits of other files or of a reopened channel, not another lane's batch whose force was
 * running meanwhile. They all fail with the first failure, and nothing is forced any more. The page server
 * fences itself on that callback, so none of these failures is ever answered: the client reissues the requests
 * to the secondary.
 *
 * <h2>Forces on the caller's event loop</h2>
 * A lane is drained on the {@code group-commit-N} threads, except when its first commit comes with the caller's
 * event loop ({@code local}) and its file holds no buffered write since its last force: then the force needs to
 * flush only what the durable writes themselves wrote, and the lane's first batch is forced by a task on that
 * event loop, which runs after the read that brought the request: every durable write of that read (and any
 * other queued meanwhile) shares the force, and the completions go out from the thread that sends them, without
 * the two thread hand-offs (to a forcing thread and back) that cost about a tenth of a millisecond per commit. A
 * batch queued behind it goes to the forcing threads, so an event loop forces at most once per read.
 *
 * <p>{@link #flush} is a barrier: its future completes after every commit queued before it.
 *
 * <p>Concurrency: {@code lanes} and {@code closed} are guarded by {@code this}; a lane's batch in progress
 * belongs to the thread draining it.
 */
final class GroupCommitter implements AutoCloseable {

    /** How a file is made durable; tests substitute one that blocks to force batches. */
    interface Forcer {
        void force(FileChannel channel) throws IOException;
    }

    static final Forcer FDATASYNC = channel -> channel.force(false);

    /** Threads that force files; a lane uses one at a time. Forces wait on the device, not the CPU. */
    static final int FORCING_THREADS = 4;

    /** One queued commit. */
    private record Pending(OpenFile file, CompletableFuture<Void> durable) {
    }

    /** The commits of one open file not yet forced, and whether a thread is draining them. */
    private static final class Lane {
        final OpenFile file;
        ArrayList<Pending> queued = new ArrayList<>();
        boolean draining;
        /** The future of the last commit added: a barrier waits for it. */
        CompletableFuture<Void> last;

        Lane(OpenFile file) {
            this.file = file;
        }
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(GroupCommitter.class);

    private final OpenFiles openFiles;
    private final Forcer forcer;
    private final StickyFlushFailure failures;
    private final ServerMetrics metrics;
    private final ExecutorService forcing;
    /** Guarded by {@code this}. */
    private final Map<OpenFile, Lane> lanes = new IdentityHashMap<>();
    /** Guarded by {@code this}. */
    private boolean closed;

    GroupCommitter(OpenFiles openFiles, Forcer forcer, StickyFlushFailure failures, ServerMetrics metrics) {
        this.openFiles = openFiles;
        this.forcer = forcer;
        this.failures = failures;
        this.metrics = metrics;
        AtomicInteger threads = new AtomicInteger();
        this.forcing = Executors.newFixedThreadPool(FORCING_THREADS, r -> {
            Thread t = new Thread(r, "group-commit-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Takes over the caller's reference to {@code file}; completes once what was written to it is durable. */
    CompletableFuture<Void> commit(OpenFile file) {
        return commit(file, null);
    }

    /**
     * As {@link #commit(OpenFile)}; {@code local}, the caller's event loop (or null), may run the force (see Forces
     * on the caller's event loop).
     */
    CompletableFuture<Void> commit(OpenFile file, Executor local) {
        Pending pending = new Pending(file, new CompletableFuture<>());
        Lane toStart = null;
        synchronized (this) {
            if (closed) {
                openFiles.release(file);
                pending.durable.completeExceptionally(new StoreException(Status.SHUTTING_DOWN, "the server is stopping"));
                return pending.durable;
            }
            Lane lane = lanes.computeIfAbsent(file, Lane::new);
            lane.queued.add(pending);
            lane.last = pending.durable;
            if (!lane.draining) {
                lane.draining = true;
                toStart = lane;
            }
        }
        if (toStart != null) {
            Lane lane = toStart;
            if (local != null && !file.bufferedSinceForce) {
                try {
                    local.execute(() -> forceFirstBatch(lane));
                    return pending.durable;
                } catch (RejectedExecutionException e) {
                    // the event loop is stopping: the forcing threads take the lane
                }
            }
            forcing.execute(() -> drain(lane));
        }
        return pending.durable;
    }

    /** Completes after every commit queued before this call. */
    CompletableFuture<Void> flush() {
        List<CompletableFuture<Void>> before = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new StoreException(Status.SHUTTING_DOWN, "the server is stopping"));
            }
            for (Lane lane : lanes.values()) {
                before.add(lane.last);
            }
        }
        return CompletableFuture.allOf(before.toArray(CompletableFuture[]::new)).handle((ok, e) -> {
            FlushFailedException failure = failures.failure();
            if (failure != null) {
                throw new java.util.concurrent.CompletionException(failure);
            }
            return null;
        });
    }

    /** On the caller's event loop: forces the lane's first batch, then leaves what queued since to the forcing threads. */
    private void forceFirstBatch(Lane lane) {
        if (forceBatch(lane)) {
            try {
                forcing.execute(() -> drain(lane));
            } catch (RejectedExecutionException e) {
                drain(lane); // closing: finish here rather than strand the commits
            }
        }
    }

    /** Forces the lane's commits batch after batch until none is queued. */
    private void drain(Lane lane) {
        while (forceBatch(lane)) {
            // the next batch queued while this one was forced
        }
    }

    /**
     * Forces and completes the lane's queued commits (a lane is started by a commit, so there is one); returns
     * true if more were queued meanwhile, else retires the lane and returns false.
     */
    private boolean forceBatch(Lane lane) {
        List<Pending> batch;
        synchronized (this) {
            batch = lane.queued;
            lane.queued = new ArrayList<>();
        }
        FlushFailedException failure = failures.failure();
        if (failure == null) {
            failure = force(lane.file, batch.size());
        }
        if (failure == null) {
            failure = failures.failure(); // another lane's force failed while this one ran
        }
        for (Pending p : batch) {
            openFiles.release(p.file);
            if (failure == null) {
                p.durable.complete(null);
            } else {
                p.durable.completeExceptionally(failure);
            }
        }
        synchronized (this) {
            if (!lane.queued.isEmpty()) {
                return true;
            }
            lane.draining = false;
            lanes.remove(lane.file);
            notifyAll(); // close waits for the lanes to empty
            return false;
        }
    }

    /** Forces {@code file} once for {@code writes} commits; null if durable, else the (now sticky) failure. */
    private FlushFailedException force(OpenFile file, int writes) {
        IOException failure = null;
        long start = System.nanoTime();
        file.bufferedSinceForce = false; // a buffered write from here on sets it again
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

    /** How long {@link #close} waits for the forces in progress: a hung device must not hang the shutdown. */
    private static final long CLOSE_WAIT_MILLIS = 60_000;

    /** Forces everything already queued, then stops the threads; later commits fail. Waits at most a minute. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
            try {
                while (!lanes.isEmpty()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        log.warn("group commit: {} file(s) still being forced after {} ms; stopping without them",
                                lanes.size(), CLOSE_WAIT_MILLIS);
                        break;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        forcing.shutdown();
    }
}
