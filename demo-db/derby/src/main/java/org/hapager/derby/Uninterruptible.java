package org.hapager.derby;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.Mode;
import org.hapager.bufferpool.PageHandle;
import org.hapager.pager.PageIoException;
import org.hapager.pager.PagerClient;
import org.hapager.pager.PagerConfig;
import org.hapager.pager.Volume;

/**
 * Pool and pager calls that an interrupt does not abort. Derby interrupts its threads as a matter of course
 * (statement cancel, pool shutdown) and must never see an interrupt as an I/O error (DERBY-4741): an I/O error
 * on the log marks the database corrupt. The buffer pool and the pager give up a wait when the caller's
 * interrupt flag is set (a fix or a discard waiting for I/O in flight, a submit waiting for room in flight,
 * and so a write-back a sync submits). So each call runs with the flag cleared, runs again if an interrupt
 * arrived during it and it failed, and the thread's interrupt status is restored afterwards for Derby to act
 * on. {@link #call} repeats pool calls (fixes, discards, syncs: repeatable) after any failure an interrupt
 * caused; {@link #await} repeats a pager request only when the pager refused it (REJECTED requests were never
 * sent), so a namespace operation is never sent twice.
 *
 * <h2>Bounds</h2>
 * No wait here is unbounded. {@link #await} waits for a pager answer at most {@link #answerBound} (the
 * failover deadline and some slack), then fails naming the request. A pool call is bounded by the pool: a fix
 * or a discard waits at most the pool's fix timeout; a sync waits for its write-backs, which the pager
 * completes, or fails, by the failover deadline.
 */
final class Uninterruptible {

    private Uninterruptible() {
    }

    /** A pool call, or a pager request and the wait for it. */
    interface Call<T> {
        T call() throws PageIoException;
    }

    static <T> T call(Call<T> call) throws PageIoException {
        return repeat(call, failure -> true);
    }

    /**
     * How long {@link #await} waits for a pager request's answer: the failover deadline, two leases and a
     * second. The pager fails a request itself, naming the servers it tried, once no server has served for
     * the failover deadline (which starts when the serving server's lease lapses); the slack lets it say so
     * first. This bound is for a request whose future the pager never completes (a bug): Derby's thread then
     * fails with {@link PageIoException.Kind#UNAVAILABLE} naming the request, instead of hanging.
     */
    static Duration answerBound(PagerConfig config) {
        return config.failoverDeadline().plus(config.lease().multipliedBy(2)).plusSeconds(1);
    }

    /**
     * Submits a pager request of {@code pager} and waits for it, up to {@link #answerBound}; an interrupt
     * does not end the wait (it is restored afterwards). The pager refuses a request whose submitter is
     * interrupted while waiting for room in flight, so such a refusal is submitted again. Failures carry
     * {@code what}.
     */
    static <T> T await(PagerClient pager, Supplier<CompletableFuture<T>> request, String what) throws IOException {
        return await(answerBound(pager.config()), request, what);
    }

    /** {@link #await(PagerClient, Supplier, String)} with the bound given. */
    static <T> T await(Duration bound, Supplier<CompletableFuture<T>> request, String what) throws IOException {
        try {
            return repeat(() -> answer(request.get(), bound), failure -> failure.kind() == PageIoException.Kind.REJECTED);
        } catch (PageIoException p) {
            throw new PageIoException(p.kind(), what + ": " + p.getMessage(), p);
        } catch (NotPageIo e) {
            throw new IOException(what + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** Waits up to {@code bound} for {@code answer}, through interrupts (restored on return). */
    private static <T> T answer(CompletableFuture<T> answer, Duration bound) throws PageIoException {
        long deadline = System.nanoTime() + bound.toNanos();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true; // Derby's interrupts never end an I/O wait: see the class comment
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof PageIoException p) {
                        throw p;
                    }
                    throw new NotPageIo(e.getCause());
                } catch (TimeoutException e) {
                    throw new PageIoException(PageIoException.Kind.UNAVAILABLE, "no answer from the pager within "
                            + bound.toMillis() + " ms (the failover deadline, two leases and a second); the request's"
                            + " outcome is unknown");
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A failure of a pager request that is not a {@link PageIoException}: never repeated. */
    private static final class NotPageIo extends RuntimeException {
        NotPageIo(Throwable cause) {
            super(cause);
        }
    }

    /** Runs {@code call} with the interrupt flag cleared, again while an interrupt caused a repeatable failure. */
    private static <T> T repeat(Call<T> call, Predicate<PageIoException> repeatable) throws PageIoException {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try {
                    return call.call();
                } catch (PageIoException e) {
                    if (!repeatable.test(e) || !Thread.interrupted()) {
                        throw e;
                    }
                    interrupted = true; // a wait was interrupted: again
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static PageHandle fix(BufferPool pool, Volume volume, long page, Mode mode) throws PageIoException {
        return call(() -> pool.fix(volume, page, mode));
    }

    /** {@link BufferPool#fixBlank}. */
    static PageHandle fixBlank(BufferPool pool, Volume volume, long page) throws PageIoException {
        return call(() -> pool.fixBlank(volume, page));
    }

    /** {@link BufferPool#discard}, which waits for write-backs in flight on the dropped pages. */
    static void discard(BufferPool pool, String volume, long fromPage) throws PageIoException {
        call(() -> {
            pool.discard(volume, fromPage);
            return null;
        });
    }

    /** {@link BufferPool#sync}: its write-backs are submitted by the calling thread. */
    static void sync(BufferPool pool, String volume) throws PageIoException {
        call(() -> {
            pool.sync(volume);
            return null;
        });
    }
}
