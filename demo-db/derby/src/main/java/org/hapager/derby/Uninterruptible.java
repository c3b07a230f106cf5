package org.hapager.derby;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.Mode;
import org.hapager.bufferpool.PageHandle;
import org.hapager.pager.PageIoException;
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
     * Submits a pager request and waits for it ({@code join()} is not interruptible); the pager refuses a
     * request whose submitter is interrupted while waiting for room in flight, so such a refusal is submitted
     * again. Failures carry {@code what}.
     */
    static <T> T await(Supplier<CompletableFuture<T>> request, String what) throws IOException {
        try {
            return repeat(() -> {
                try {
                    return request.get().join();
                } catch (CompletionException e) {
                    if (e.getCause() instanceof PageIoException p) {
                        throw p;
                    }
                    throw new NotPageIo(e.getCause());
                }
            }, failure -> failure.kind() == PageIoException.Kind.REJECTED);
        } catch (PageIoException p) {
            throw new PageIoException(p.kind(), what + ": " + p.getMessage(), p);
        } catch (NotPageIo e) {
            throw new IOException(what + " failed: " + e.getCause(), e.getCause());
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
