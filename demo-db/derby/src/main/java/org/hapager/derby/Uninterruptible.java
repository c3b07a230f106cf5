package org.hapager.derby;

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
 * on. Only for calls that may be repeated: fixes, discards, syncs (see also {@link FileContents#await}).
 */
final class Uninterruptible {

    private Uninterruptible() {
    }

    /** A pool call. */
    interface Call<T> {
        T call() throws PageIoException;
    }

    static <T> T call(Call<T> call) throws PageIoException {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try {
                    return call.call();
                } catch (PageIoException e) {
                    if (!Thread.interrupted()) {
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
