package org.hapager.derby.lock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hapager.derby.lock.LockRecord.Blank;
import org.hapager.derby.lock.LockRecord.Content;
import org.hapager.derby.lock.LockRecord.State;
import org.hapager.derby.lock.LockRecord.Unreadable;
import org.hapager.derby.lock.LockRecord.Valid;
import org.hapager.pager.CompareAndWriteResult;
import org.hapager.pager.PageRead;
import org.hapager.pager.PagerClient;
import org.hapager.pager.Volume;

/**
 * Page 0 of the lock volume of a {@link DatabaseLock}: its reads and writes on the page servers, each waited
 * for until a deadline on this JVM's monotonic clock, and what a record on it means (free or held, and by whom).
 * The rules for when the page may be read or written, and why, are in {@link DatabaseLock}.
 */
final class LockPage {

    /** A read of the lock page: when it was submitted and completed (System.nanoTime), and the page. */
    record Read(long submitted, long completed, ByteBuffer page) {
    }

    private final PagerClient pager;
    private final Volume volume;

    LockPage(PagerClient pager, Volume volume) {
        this.pager = pager;
        this.volume = volume;
    }

    Volume volume() {
        return volume;
    }

    /** Creates the lock volume unless it exists already. */
    CompletableFuture<Void> create() {
        return pager.create(volume.name(), false);
    }

    /** Reads the page, waiting until {@code deadline} (System.nanoTime) at most. */
    Read read(long deadline, String what) throws IOException, InterruptedException, TimeoutException {
        long submitted = System.nanoTime();
        PageRead r = await(pager.read(volume, 0, 1), deadline, what);
        return new Read(submitted, System.nanoTime(), r.data());
    }

    /**
     * Submits a write of the page that the pager never sends (nor sends again after a failover) at or after
     * {@code sendByNanos} (System.nanoTime): so it takes effect before that instant plus one failover stall, or
     * never (invariant 2 of {@link DatabaseLock}). The caller takes the submission instant and waits with
     * {@link #await}.
     */
    CompletableFuture<Long> write(ByteBuffer page, long sendByNanos) {
        return pager.write(volume, 0, page, sendByNanos);
    }

    /**
     * Submits a compare-and-write of the page: {@code data} is written only if the page holds {@code expected}
     * at that instant, atomically against every other write of it. Never sent (nor sent again) at or after
     * {@code sendByNanos}, like {@link #write}. {@code data} must be a record nobody else writes (they all are:
     * owner id and counter), which the pager's reissue rule relies on ({@link PagerClient#compareAndWrite}).
     */
    CompletableFuture<CompareAndWriteResult> compareAndWrite(ByteBuffer expected, ByteBuffer data, long sendByNanos) {
        return pager.compareAndWrite(volume, 0, expected, data, sendByNanos);
    }

    /** Whether the pager was closed: nothing can be read or written any more. */
    boolean closed() {
        return pager.isClosed();
    }

    /**
     * Waits for {@code future} until {@code deadline} (System.nanoTime); a failed request becomes an
     * IOException saying {@code what} failed.
     */
    <T> T await(CompletableFuture<T> future, long deadline, String what)
            throws IOException, InterruptedException, TimeoutException {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new IOException("lock " + volume.name() + ": " + what + " failed: " + cause.getMessage(), cause);
        }
    }

    /** The page's content; a record of a newer format counts as a page this code cannot read (held by someone). */
    static Content content(ByteBuffer page) {
        try {
            return LockRecord.decode(page);
        } catch (LockRecord.UnsupportedFormatException e) {
            return new Unreadable(e.getMessage());
        }
    }

    /** Free: the page is zeros or the record is RELEASED. Anything else (unreadable bytes too) is held. */
    static boolean isFree(Content c) {
        return c instanceof Blank || c instanceof Valid v && v.record().state() == State.RELEASED;
    }

    /** Who holds a page with this content, for messages. */
    static String describe(Content c) {
        if (c instanceof Valid v) {
            return v.record().toString();
        }
        if (c instanceof Unreadable u) {
            return "an unknown owner (the page is not a lock record: " + u.why() + ")";
        }
        return "nobody (blank page)";
    }
}
