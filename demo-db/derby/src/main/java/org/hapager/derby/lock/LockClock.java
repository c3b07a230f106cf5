package org.hapager.derby.lock;

import java.util.concurrent.locks.LockSupport;

/**
 * The time a {@link LockAcquisition} reads and the wait it parks in while it outwaits a held record (step 1
 * of {@link DatabaseLock}): {@link #SYSTEM} in production; a test's clock sees the acquirer start waiting.
 * Its time must be {@link System#nanoTime()}'s: the acquisition's instants become the pager's send deadlines
 * and the expiry that {@link DatabaseLock} checks on that clock.
 */
interface LockClock {

    /** {@link System#nanoTime()}, and a wait that parks the thread. */
    LockClock SYSTEM = new LockClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void parkUntil(long deadline) throws InterruptedException {
            while (true) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                LockSupport.parkNanos(left);
            }
        }
    };

    /** Now, in nanoseconds on {@link System#nanoTime()}'s scale. */
    long nanoTime();

    /** Waits until {@code deadline} ({@link #nanoTime()}); an interrupt ends the wait with InterruptedException. */
    void parkUntil(long deadline) throws InterruptedException;
}
