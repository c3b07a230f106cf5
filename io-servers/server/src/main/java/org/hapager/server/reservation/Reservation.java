package org.hapager.server.reservation;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hapager.server.metrics.ServerMetrics;
import org.hapager.server.session.OpExecutor;
import org.hapager.server.store.IoErrors;
import org.hapager.server.store.StoreException;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.Status;
import org.hapager.wire.WireText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reservation of the shared storage: at most one page server executes storage operations on a data
 * directory at a time. The volume group is the data directory: one reservation per directory, its lock file
 * {@code DIR/locks/reservation.lock} ({@link LockFile}). The holder keeps an exclusive OS lock on it for as long
 * as it serves storage and writes its {@link Holder} line into it.
 *
 * <h2>States</h2>
 * <pre>
 *   PASSIVE ──storage request──► ACQUIRING ──lock taken──► HOLDING ──YIELD──► YIELDING ──drained, released──► PASSIVE
 *      ▲                             │                        ▲                  │
 *      └────────── failed ───────────┘                        └── drain or flush failed (YIELDED false) ──┘
 * </pre>
 * <ol>
 * <li>PASSIVE (the start): no lock, nothing runs. A storage request starts an acquisition and waits; except that
 *     a connection opened before this server last yielded never starts one: its requests get NOT_RESERVED at once
 *     (its client has failed over; only a client that connects anew takes the reservation back, so leftover
 *     connections cannot make two servers snatch it back and forth).</li>
 * <li>ACQUIRING: the reservation thread runs an {@link Acquisition} (free → take; live holder → YIELD; silent
 *     holder → fence). Requests arriving meanwhile wait in {@code waiting}. Success: holder line written,
 *     {@link GuardedStore#forgetOpenFiles()} (the other server may have renamed files), HOLDING, the waiting
 *     requests run. Failure: ERROR log, {@code outcome=failed}, PASSIVE, the waiting requests complete with
 *     NOT_RESERVED naming this server, the holder and why; the next request tries again.</li>
 * <li>HOLDING: requests run at once; {@code running} counts those not yet finished.</li>
 * <li>YIELDING (a peer's YIELD while HOLDING, or {@link #releaseOnItsOwn} when every client of this server went
 *     silent: self-fencing, a second line that the safety argument below does not rest on): new requests
 *     complete with NOT_RESERVED at once, not executed.
 *     The reservation thread waits until {@code running} is 0 (bounded by the drain timeout), flushes the group
 *     commit, clears the holder line and releases the lock → PASSIVE, and the peer gets {@code YIELDED(true)}.
 *     If the drain or the flush does not finish, it returns to HOLDING and answers {@code YIELDED(false)}
 *     (the taker will fence it: releasing with a write still running would let that write land late).</li>
 * </ol>
 *
 * <h2>Invariants</h2>
 * <ol>
 * <li>A storage operation is submitted only by a thread that, under this object's monitor, saw HOLDING and
 *     incremented {@code running} (or by the reservation thread for the requests it moves from {@code waiting}
 *     on entering HOLDING). {@code running} drops when the operation's future completes; a write's future
 *     completes once it is durable.</li>
 * <li>The lock is held exactly in HOLDING and YIELDING (plus, on the reservation thread, between taking it
 *     and entering HOLDING). It is released only with {@code running == 0} after a flush, or by process exit.</li>
 * <li>{@code waiting} is non-empty only in ACQUIRING.</li>
 * </ol>
 *
 * <h2>Threads</h2>
 * State, {@code running}, {@code waiting} and {@code yields} are guarded by this object's monitor. Requests enter
 * on the network threads ({@link #newConnectionGate()}), which never block here. Acquisitions and yields run on
 * one daemon thread, {@code reservation}, one at a time: the only thread that touches the {@link LockFile}.
 *
 * <h2>Why no stale write can land</h2>
 * A write executes only inside the holder's process while that process holds the OS lock (invariant 1, 2).
 * The taker gets the lock in one of two ways. (a) The holder released it: it did so only after refusing new
 * work (YIELDING) and waiting until every running operation had finished and been flushed, so all its writes
 * happened before the release, and the release happened before the taker's {@code tryLock} succeeded.
 * (b) The holder's process died (crash, or killed by the fencing command): the kernel frees a process's locks
 * only when it tears down its files, after every thread has stopped, and a write system call already running
 * finishes before a thread can stop; a frozen (SIGSTOP) process is killed, not let loose. A fencing command that
 * fails, times out, or leaves the lock held is a failure, never a takeover. In both cases every write of the
 * old holder precedes the taker's first write, so none can follow a write the new holder acknowledged.
 *
 * <p>Limits: the argument needs working POSIX record locks shared by all servers: one host, or a file system
 * that implements fcntl locks across hosts. Not NFS without lock support (there the lock may be granted twice).
 * The default fencing command kills a process on this host; servers on several hosts need a real STONITH
 * command. The lock guards the volumes only against page servers: anything else writing into {@code DIR}
 * is outside the argument.
 */
public final class Reservation implements AutoCloseable {

    enum State { PASSIVE, ACQUIRING, HOLDING, YIELDING }

    private record Waiting(Op op, CompletableFuture<Outcome> result) {
    }

    private static final Logger log = LoggerFactory.getLogger(Reservation.class);

    private final Path dataDir;
    private final LockFile lockFile;
    private final GuardedStore store;
    private final ServerMetrics metrics;
    private final FenceCommand fence;
    private final long fenceTimeoutMillis;
    private final long drainTimeoutMillis;
    /** The peer token: the taker authenticates its YIELD with it ({@link YieldClient}). */
    private final byte[] peerToken;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "reservation");
        t.setDaemon(true);
        return t;
    });
    /** Set once by {@link #identify}, before the first connection is accepted. */
    private volatile Holder self;
    /** Started by {@link #identify}: this server's view of whether the holder answers. */
    private volatile HolderWatch watch;

    // ---- guarded by this
    private State state = State.PASSIVE;
    private long running;
    private final List<Waiting> waiting = new ArrayList<>();
    /** Yields granted so far: a connection remembers the count at its start. */
    private long yields;
    private String yieldedTo = "";
    private boolean closed;

    private Reservation(Path dataDir, LockFile lockFile, GuardedStore store, ServerMetrics metrics, FenceCommand fence,
                        long fenceTimeoutMillis, long drainTimeoutMillis, byte[] peerToken) {
        this.dataDir = dataDir;
        this.lockFile = lockFile;
        this.store = store;
        this.metrics = metrics;
        this.fence = fence;
        this.fenceTimeoutMillis = fenceTimeoutMillis;
        this.drainTimeoutMillis = drainTimeoutMillis;
        this.peerToken = peerToken.clone();
    }

    /**
     * Opens the lock file of {@code dataDir} (taking nothing: the server starts PASSIVE); {@code peerToken} is the
     * secret the page servers of {@code dataDir} share, which a YIELD must be authenticated with.
     */
    public static Reservation open(Path dataDir, GuardedStore store, ServerMetrics metrics, FenceCommand fence,
                                   long fenceTimeoutMillis, long drainTimeoutMillis, byte[] peerToken) throws IOException {
        return new Reservation(dataDir, LockFile.open(dataDir), store, metrics, fence, fenceTimeoutMillis, drainTimeoutMillis, peerToken);
    }

    /** Who this server is (written into the lock file, sent as the taker id); called once before serving. */
    public void identify(Holder holder) {
        this.self = holder;
        // a heartbeat every third of the fence timeout: a holder silent for one has missed about three
        long interval = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(TimeUnit.SECONDS.toNanos(1),
                TimeUnit.MILLISECONDS.toNanos(fenceTimeoutMillis) / 3));
        HolderWatch started = new HolderWatch(lockFile, holder, new YieldClient(peerToken, holder.serverId()), interval,
                TimeUnit.MILLISECONDS.toNanos(fenceTimeoutMillis), System::nanoTime);
        this.watch = started;
        started.start();
    }

    synchronized State state() {
        return state;
    }

    /** The executor for a new connection: every storage request of that connection goes through {@link #submit}. */
    public OpExecutor newConnectionGate() {
        long yieldsAtStart;
        synchronized (this) {
            yieldsAtStart = yields;
        }
        return (op, eventLoop) -> submit(op, yieldsAtStart, eventLoop);
    }

    CompletableFuture<Outcome> submit(Op op, long yieldsAtConnectionStart, Executor eventLoop) {
        synchronized (this) {
            switch (state) {
                case HOLDING -> running++;
                case YIELDING -> {
                    return refused(op, "server " + self.serverId() + " is yielding the reservation of its data directory to "
                            + yieldedTo + "; the request was not executed");
                }
                case ACQUIRING -> {
                    return enqueue(op);
                }
                case PASSIVE -> {
                    if (closed) {
                        return CompletableFuture.failedFuture(new StoreException(Status.SHUTTING_DOWN,
                                "server " + self.serverId() + " is stopping; " + op.code().tag() + " volume " + op.volume() + " was not executed"));
                    }
                    if (yieldsAtConnectionStart < yields) {
                        return refused(op, "server " + self.serverId() + " yielded the reservation of its data directory to " + yieldedTo
                                + "; connections opened before the yield are not served (connect anew to take it back)");
                    }
                    state = State.ACQUIRING;
                    CompletableFuture<Outcome> result = enqueue(op);
                    try {
                        thread.execute(this::acquire);
                    } catch (RejectedExecutionException e) {
                        state = State.PASSIVE;
                        waiting.clear();
                        return refused(op, "server " + self.serverId() + " is stopping");
                    }
                    return result;
                }
            }
        }
        return run(op, eventLoop);
    }

    private CompletableFuture<Outcome> enqueue(Op op) {
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        waiting.add(new Waiting(op, result));
        return result;
    }

    private static CompletableFuture<Outcome> refused(Op op, String why) {
        return CompletableFuture.failedFuture(new StoreException(Status.NOT_RESERVED,
                op.code().tag() + " volume " + op.volume() + ": " + why));
    }

    /** Submits an operation already counted in {@code running}; uncounts it when it finishes. */
    private CompletableFuture<Outcome> run(Op op, Executor eventLoop) {
        CompletableFuture<Outcome> result;
        try {
            result = store.submit(op, eventLoop);
        } catch (RuntimeException e) {
            finished();
            log.error("{} volume {} failed", op.code().tag(), op.volume(), e);
            return CompletableFuture.failedFuture(new StoreException(Status.IO_ERROR,
                    op.code().tag() + " volume " + op.volume() + ": " + IoErrors.reasonOf(e).words(), e));
        }
        result.whenComplete((outcome, failure) -> finished());
        return result;
    }

    private synchronized void finished() {
        if (--running == 0) {
            notifyAll();
        }
    }

    // ------------------------------------------------------------------ taker side (reservation thread)

    private void acquire() {
        Holder me = self;
        long start = System.nanoTime();
        Acquisition acquisition = new Acquisition(lockFile, me, new YieldClient(peerToken, me.serverId()), watch, fence,
                fenceTimeoutMillis);
        try {
            Acquisition.Outcome outcome = acquisition.run("server " + me.describe() + " received a storage request");
            try {
                lockFile.writeHolder(me);
            } catch (IOException e) {
                lockFile.clearAndRelease();
                throw e;
            }
            store.forgetOpenFiles();
            long elapsed = System.nanoTime() - start;
            metrics.fence(outcome.tag(), elapsed);
            metrics.reservationHeld(true);
            log.info("server {} acquired the reservation of {} ({}) in {} ms", me.serverId(), dataDir, outcome.tag(),
                    TimeUnit.NANOSECONDS.toMillis(elapsed));
            List<Waiting> ready;
            synchronized (this) {
                if (closed) {
                    throw new IOException("server " + me.serverId() + " is stopping");
                }
                state = State.HOLDING;
                running += waiting.size();
                ready = new ArrayList<>(waiting);
                waiting.clear();
            }
            for (Waiting w : ready) {
                run(w.op(), null).whenComplete((outcome2, failure) -> complete(w.result(), outcome2, failure));
            }
        } catch (Acquisition.FailedException | IOException | RuntimeException | InterruptedException e) {
            long elapsed = System.nanoTime() - start;
            metrics.fence("failed", elapsed);
            String why = "server " + me.describe() + " could not take the reservation of " + dataDir + " in "
                    + TimeUnit.NANOSECONDS.toMillis(elapsed) + " ms: " + (e instanceof Acquisition.FailedException ? e.getMessage() : e.toString());
            log.error(why);
            List<Waiting> failed;
            synchronized (this) {
                state = State.PASSIVE;
                failed = new ArrayList<>(waiting);
                waiting.clear();
            }
            // clients read the same story without server paths or exception classes (the log above has them)
            String told = ("server " + me.describe() + " could not take the reservation in " + TimeUnit.NANOSECONDS.toMillis(elapsed)
                    + " ms: " + (e instanceof Acquisition.FailedException ? e.getMessage() : IoErrors.reasonOf(e).words()))
                    .replace(dataDir.toString(), "DIR");
            for (Waiting w : failed) {
                w.result().completeExceptionally(new StoreException(Status.NOT_RESERVED,
                        w.op().code().tag() + " volume " + w.op().volume() + " was not executed: " + told));
            }
        }
    }

    private static void complete(CompletableFuture<Outcome> target, Outcome outcome, Throwable failure) {
        if (failure == null) {
            target.complete(outcome);
        } else {
            target.completeExceptionally(failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure);
        }
    }

    // ------------------------------------------------------------------ holder side

    /**
     * A peer's YIELD, from a network thread; the answer completes on the reservation thread (or at once). The taker
     * id and reason came off the wire: they are escaped ({@link WireText#escape}) before they reach a log line, or
     * an error text sent to this server's clients.
     */
    public CompletableFuture<Message.Yielded> yieldTo(Message.Yield request) {
        String taker = WireText.escape(request.takerId());
        synchronized (this) {
            if (state != State.HOLDING) {
                return CompletableFuture.completedFuture(new Message.Yielded(false, "server " + self.serverId()
                        + " does not hold the reservation of " + dataDir + " (state " + state + ")"));
            }
            state = State.YIELDING;
            yieldedTo = taker;
        }
        log.info("server {}: {} asks for the reservation of {} ({}); refusing new requests and draining",
                self.serverId(), taker, dataDir, WireText.escape(request.reason()));
        CompletableFuture<Message.Yielded> answer = new CompletableFuture<>();
        try {
            thread.execute(() -> answer.complete(drainAndRelease(taker)));
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                state = State.HOLDING;
            }
            answer.complete(new Message.Yielded(false, "server " + self.serverId() + " is stopping"));
        }
        return answer;
    }

    /**
     * Self-fencing, from a network thread: every client session of this server lapsed (its clients went silent:
     * cut off, or frozen), so this holder drains and releases as for a YIELD, and the secondary the clients move to
     * finds the reservation free instead of having to fence. Nothing if not HOLDING. Never blocks.
     */
    public void releaseOnItsOwn(String why) {
        synchronized (this) {
            if (state != State.HOLDING || closed) {
                return;
            }
            state = State.YIELDING;
            yieldedTo = "no one (its clients went silent)";
        }
        log.warn("server {} stops serving the reservation of {} on its own: {}; refusing new requests and draining",
                self.serverId(), dataDir, why);
        try {
            thread.execute(() -> drainAndRelease("no one (" + why + ")"));
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                state = State.HOLDING;
            }
        }
    }

    private Message.Yielded drainAndRelease(String taker) {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(drainTimeoutMillis);
        long drained;
        synchronized (this) {
            drained = running;
            try {
                while (running > 0 && deadline - System.nanoTime() > 0) {
                    TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (running > 0) {
                return keep(taker, running + " storage operations still running after " + drainTimeoutMillis + " ms");
            }
        }
        try {
            store.flush().get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS);
            lockFile.clearAndRelease();
        } catch (ExecutionException | TimeoutException | IOException | InterruptedException e) {
            return keep(taker, "flushing or releasing failed: " + e);
        }
        synchronized (this) {
            state = State.PASSIVE;
            yields++;
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        metrics.reservationHeld(false);
        metrics.yieldGranted();
        log.info("server {} yielded the reservation of {} to {} in {} ms ({} operations drained)", self.serverId(), dataDir,
                taker, millis, drained);
        return new Message.Yielded(true, "server " + self.describe() + " released the reservation of " + dataDir
                + " after draining " + drained + " operations in " + millis + " ms");
    }

    private Message.Yielded keep(String taker, String why) {
        synchronized (this) {
            state = State.HOLDING;
        }
        log.error("server {} keeps the reservation of {} instead of yielding to {}: {}", self.serverId(), dataDir, taker, why);
        return new Message.Yielded(false, "server " + self.describe() + " did not release the reservation of " + dataDir + ": " + why);
    }

    /**
     * At server stop, after the sessions drained and the group commit was flushed: refuses everything from now on,
     * stops the reservation thread and releases the lock (closing its channel).
     */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            closed = true;
            state = State.PASSIVE;
        }
        if (watch != null) {
            watch.close();
        }
        thread.shutdownNow();
        try {
            thread.awaitTermination(2 * fenceTimeoutMillis + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        metrics.reservationHeld(false);
        lockFile.close();
    }
}
