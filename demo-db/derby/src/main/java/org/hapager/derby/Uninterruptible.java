package org.hapager.derby;

import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.Mode;
import org.hapager.bufferpool.PageHandle;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;

/**
 * Page fixes that an interrupt does not abort. Derby interrupts its threads as a matter of course (statement
 * cancel, pool shutdown) and must never see an interrupt as an I/O error (DERBY-4741): an I/O error on the
 * log marks the database corrupt. So a fix interrupted while waiting is retried, and the thread's interrupt
 * status is restored afterwards for Derby to act on.
 */
final class Uninterruptible {

    private Uninterruptible() {
    }

    static PageHandle fix(BufferPool pool, Volume volume, long page, Mode mode) throws PageIoException {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try {
                    return pool.fix(volume, page, mode);
                } catch (PageIoException e) {
                    if (!Thread.interrupted()) {
                        throw e;
                    }
                    interrupted = true; // the wait was interrupted: fix again
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
