package org.hapager.derby.lock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hapager.derby.lock.LockRecord.Content;
import org.hapager.derby.lock.LockRecord.State;
import org.hapager.derby.lock.LockRecord.Valid;
import org.hapager.derby.lock.LockPage.Read;
import org.hapager.pager.CompareAndWriteResult;
import org.hapager.pager.PageIoException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps 1 and 2 of the algorithm in {@link DatabaseLock} (observe; claim by compare-and-write), run by
 * {@link DatabaseLock#tryAcquire()} on the caller's thread, over again while attempts are void. The states,
 * the timing and the argument for them are in {@link DatabaseLock}'s javadoc; this class only carries the
 * steps out. A claim that wrote hands the lock to {@link DatabaseLock} (step 4 starts); a refusal is
 * recorded there too. Its time, and its wait between two reads of a held record, are its {@link LockClock}'s.
 */
final class LockAcquisition {

    /**
     * How one claim ended: it wrote (we hold the lock), it miscompared (the page changed since the read it was
     * based on: someone else's record, or a free one to observe again), or the attempt is void (observe again).
     */
    enum Attempt { ACQUIRED, MISCOMPARED, VOID }

    /**
     * One claim (step 2): how it ended; our record and its compare-and-write; when the claim was submitted and
     * until when the lock is ours if ACQUIRED; what the page held instead of the basis if MISCOMPARED.
     */
    record Claim(Attempt attempt, LockRecord mine, CompletableFuture<?> write, long submitted, long validUntil,
                 Content seen) {
    }

    /** DatabaseLock's logger: the lock logs under one name, whichever class does the work. */
    private static final Logger log = LoggerFactory.getLogger(DatabaseLock.class);

    private final DatabaseLock lock;
    private final LockPage page;
    private final LockConfig config;
    private final LockClock clock;

    LockAcquisition(DatabaseLock lock, LockPage page, LockConfig config, LockClock clock) {
        this.lock = lock;
        this.page = page;
        this.config = config;
        this.clock = clock;
    }

    /**
     * Steps 1 and 2, repeated while attempts are void or find the page changed to another free record, within {@link LockConfig#acquireTimeout()}: the body of
     * {@link DatabaseLock#tryAcquire()} once it is ACQUIRING (which see for the results).
     */
    boolean acquire() throws IOException {
        long deadline = clock.nanoTime() + config.acquireTimeout().toNanos();
        String stage = "create the lock volume";
        try {
            page.await(page.create(), deadline, stage);
            while (true) {
                stage = "observe the lock page";
                Read basis = observe(deadline);
                if (basis == null) {
                    return false;
                }
                stage = "claim the lock";
                Claim claim = claim(basis, deadline);
                if (claim.attempt() == Attempt.ACQUIRED) {
                    lock.hold(claim.mine(), claim.validUntil(), claim.submitted() + config.renewalInterval().toNanos(), basis.page());
                    log.info("lock {}: acquired by {} (owner {}, counter {}), expiry {}", page.volume().name(), lock.description(),
                            lock.ownerId(), claim.mine().counter(), config.expiry());
                    return true;
                }
                if (claim.attempt() == Attempt.MISCOMPARED) {
                    if (LockPage.isFree(claim.seen())) {
                        log.debug("lock {}: the page changed to {} since we read it; observing again", page.volume().name(),
                                LockPage.describe(claim.seen()));
                        continue;
                    }
                    lock.refuse("lock " + page.volume().name() + ": another JVM won the race for it: the page now holds "
                            + LockPage.describe(claim.seen()));
                    return false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lock.refuse("interrupted while trying to " + stage + "; the lock is not held");
            return false;
        } catch (TimeoutException e) {
            throw new IOException("lock " + page.volume().name() + ": no decision within acquireTimeout " + config.acquireTimeout()
                    + " (while trying to " + stage + ")", e);
        }
    }

    /**
     * Step 1: returns the read to base a claim on, or null after refusing because a live owner holds the lock.
     */
    private Read observe(long deadline) throws IOException, InterruptedException, TimeoutException {
        Read first = page.read(deadline, "read the lock page");
        Content seen = LockRecord.decode(first.page());
        if (LockPage.isFree(seen)) {
            return first;
        }
        long poll = config.pollInterval().toNanos();
        long deadAt = first.completed() + config.deadAfter().toNanos();
        log.debug("lock {}: held by {}; watching it for up to {}", page.volume().name(), LockPage.describe(seen), config.deadAfter());
        while (true) {
            long next = Math.min(clock.nanoTime() + poll, deadAt);
            if (next - deadline > 0) {
                throw new TimeoutException("outwaiting " + LockPage.describe(seen));
            }
            clock.parkUntil(next);
            Read r = page.read(deadline, "re-read the lock page");
            if (!r.page().equals(first.page())) {
                Content now = LockRecord.decode(r.page());
                if (LockPage.isFree(now)) {
                    log.debug("lock {}: released by {} while we watched", page.volume().name(), LockPage.describe(seen));
                    return r;
                }
                lock.refuse("lock " + page.volume().name() + " is held by " + LockPage.describe(now)
                        + ": its record changed within " + millis(r.completed() - first.completed()) + " ms, so its owner is alive");
                return null;
            }
            if (r.submitted() - deadAt >= 0) {
                log.info("lock {}: {} unchanged for {} ms (expiry {} + margin {}): its owner is presumed dead; taking the lock over",
                        page.volume().name(), LockPage.describe(seen), millis(r.submitted() - first.completed()), config.expiry(),
                        config.margin());
                return r;
            }
        }
    }

    /**
     * Step 2 on {@code basis}, a read that showed a free page, an outwaited record, or (a suspended holder
     * resuming, step 4) our own record: a compare-and-write of our next HELD record over exactly the bytes
     * {@code basis} read. Used by {@link #acquire()} and by {@code LockRenewal}; the caller acts on the result
     * (hold, refuse or fence, or observe again).
     */
    Claim claim(Read basis, long deadline) throws IOException, InterruptedException, TimeoutException {
        long base = LockRecord.decode(basis.page()) instanceof Valid v ? v.record().counter() : 0;
        LockRecord mine = new LockRecord(State.HELD, lock.ownerId(), Math.max(base, lock.counter()) + 1, lock.description());
        lock.counter(mine.counter());
        ByteBuffer bytes = mine.encode(LockRecord.PAGE_SIZE);
        long ioDeadline = basis.submitted() + config.ioTimeout().toNanos();
        long submitted = clock.nanoTime();
        // a void claim is never sent after ioDeadline, and writes only over the basis, whenever it lands
        CompletableFuture<CompareAndWriteResult> write = page.compareAndWrite(basis.page(), bytes, ioDeadline);
        try {
            page.await(write, Math.min(ioDeadline, deadline), "claim the lock");
        } catch (TimeoutException e) {
            if (deadline - ioDeadline <= 0) {
                throw e;
            }
        } catch (IOException e) {
            if (!(e.getCause() instanceof PageIoException p && p.kind() == PageIoException.Kind.UNAVAILABLE)) {
                throw e;
            }
            // not sent by its deadline, or no server to send it to: void like a claim that came late
        }
        long completed = clock.nanoTime();
        if (!write.isDone() || write.isCompletedExceptionally() || completed - ioDeadline > 0) {
            log.info("lock {}: our claim was not durable within ioTimeout {} of the read it was based on; it may still take effect, "
                    + "so this attempt is void: observing the page again", page.volume().name(), config.ioTimeout());
            return new Claim(Attempt.VOID, mine, write, submitted, 0, null);
        }
        CompareAndWriteResult result = write.join();
        if (!result.written()) {
            return new Claim(Attempt.MISCOMPARED, mine, write, submitted, 0, LockPage.content(result.current()));
        }
        return new Claim(Attempt.ACQUIRED, mine, write, submitted, submitted + config.expiry().toNanos(), null);
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
