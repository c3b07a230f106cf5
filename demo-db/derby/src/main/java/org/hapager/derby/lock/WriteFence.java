package org.hapager.derby.lock;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.hapager.pager.PageIoException;
import org.hapager.pager.SendGuard;

/**
 * The gate every write of one database passes, on two levels, so that a JVM writes the database only while
 * its {@link DatabaseLock} is known valid (invariant 3 of {@link DatabaseLock}):
 * <ul>
 *   <li><b>At the wire</b>, as the pager's {@link SendGuard} for the database's directory: every request that
 *       changes a file of the database (a page write, whoever issued it: the buffer pool's write-backs, a
 *       write-through; a set-length, create, delete, rename, mkdirs) is checked by the pager's I/O thread just
 *       before it is sent, and again before each reissue after a failover. Not writable: it is never sent and
 *       fails with {@link LockLapsedException} or, once fenced, {@link DatabaseFencedException}. So writes
 *       already queued in the pager or the pool when the lock lapses do not go out.</li>
 *   <li><b>At the storage factory</b>, {@link #awaitWritable}: before Derby's write, sync, set-length or
 *       namespace change goes to the pool or the pager, it waits while the lock is suspended (up to
 *       {@code maxWaitNanos}, the pager's failover deadline: a lapse looks to Derby like a page-server outage,
 *       which it is) so that a lock that resumes costs Derby nothing but time; it fails at once once fenced.</li>
 * </ul>
 * The lock's own volume is not guarded here: the lock bounds its writes itself (their send deadlines).
 *
 * <p>Thread-safe; {@link #refusal} runs on the pager's I/O thread and only reads volatile state.
 */
public final class WriteFence implements SendGuard {

    private final DatabaseLock lock;
    private final String database;
    private final String lockVolume;
    private final long maxWaitNanos;

    /**
     * @param lock         the database's lock, held
     * @param database     the database as messages name it ({@code /main/shop})
     * @param maxWaitNanos how long {@link #awaitWritable} waits for a suspended lock to resume
     */
    public WriteFence(DatabaseLock lock, String database, long maxWaitNanos) {
        this.lock = Objects.requireNonNull(lock, "lock");
        this.database = Objects.requireNonNull(database, "database");
        this.lockVolume = lock.volumeName();
        this.maxWaitNanos = maxWaitNanos;
    }

    public DatabaseLock lock() {
        return lock;
    }

    /** Whether this JVM is fenced from the database for good. */
    public boolean isFenced() {
        return lock.isFenced();
    }

    /** The pager's check before each send of a change under the database's directory. */
    @Override
    public PageIoException refusal(String name, String request) {
        if (lock.isWritable() || name.equals(lockVolume)) {
            return null;
        }
        return refused(request + " of " + name + " was not sent");
    }

    /**
     * Returns when a write of the database may be issued; waits while the lock is suspended, up to the bound.
     * An interrupt does not end the wait (Derby interrupts its threads as a matter of course, and an I/O
     * error on the log marks the database corrupt); the thread's interrupt flag is restored.
     *
     * @param what the operation, for the message ({@code write of shop/log/log1.dat})
     * @throws DatabaseFencedException if the lock was taken over or could not be kept
     * @throws LockLapsedException     if the lock did not resume within the bound
     * @throws PageIoException         (REJECTED) if the lock is not held at all (released)
     */
    public void awaitWritable(String what) throws PageIoException {
        if (lock.isWritable()) {
            return;
        }
        long start = System.nanoTime();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    switch (lock.awaitWritable(start + maxWaitNanos)) {
                        case WRITABLE -> {
                            return;
                        }
                        case FENCED, LAPSED -> throw refused(what + " refused after waiting "
                                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
                        case NOT_HELD -> throw new PageIoException(PageIoException.Kind.REJECTED, what + " refused: the lock of database "
                                + database + " (" + lockVolume + ") is not held by this JVM");
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The failure for a refused write: fenced or released (for good, {@code REJECTED}: a kept copy of a buffered
     * write is then given up by the pager), or lapsed (for now, {@code UNAVAILABLE}: the pager holds the copy
     * until the lock resumes or is fenced; see {@link org.hapager.pager.SendGuard}).
     */
    private PageIoException refused(String what) {
        if (lock.isFenced()) {
            String by = lock.takenOverBy();
            return new DatabaseFencedException("database lock of " + database + " was "
                    + (by != null ? "taken over by " + by : "lost (" + lock.lossReason() + ")")
                    + "; this JVM is fenced: " + what);
        }
        if (!lock.mayResume()) {
            return new PageIoException(PageIoException.Kind.REJECTED, "database lock of " + database
                    + " is not held by this JVM (released); " + what);
        }
        String why = lock.isSuspended() ? "suspended: " + lock.suspendReason()
                : "its expiry is within the margin: a renewal is late";
        return new LockLapsedException("database lock of " + database + " is not known valid (" + why + "); " + what);
    }

    @Override
    public String toString() {
        return "WriteFence[" + database + ", " + lock + "]";
    }
}
