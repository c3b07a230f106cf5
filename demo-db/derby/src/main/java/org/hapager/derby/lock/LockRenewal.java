package org.hapager.derby.lock;

import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hapager.derby.lock.LockAcquisition.Attempt;
import org.hapager.derby.lock.LockAcquisition.Claim;
import org.hapager.derby.lock.LockRecord.Content;
import org.hapager.derby.lock.LockRecord.State;
import org.hapager.derby.lock.LockPage.Read;

/**
 * Step 4 of the algorithm in {@link DatabaseLock} (hold, suspend, resume or fence): the loop of the daemon
 * renewal thread that {@link DatabaseLock} starts for each hold. While HELD, every renewal interval it
 * checks that the page still holds our latest record and writes the next one. A renewal that fails or is
 * late SUSPENDS the lock; then, every poll interval, once our earlier writes of the page are resolved, it
 * reads the page: still our record, it claims the lock again (step 2: a compare-and-write over exactly that
 * read) and the lock is HELD again; anything else, or a claim that miscompares, FENCES it. The timing rules and why they
 * are safe are in {@link DatabaseLock}'s javadoc.
 */
final class LockRenewal {

    /** What one turn of the loop did: renewed (or resumed) the lock, must try again soon, or fenced it. */
    private enum Turn { RENEWED, RETRY, FENCED }

    private final DatabaseLock lock;
    private final LockPage page;
    private final LockConfig config;
    private final LockAcquisition acquisition;
    private final Counter renewals;
    /** Set by a turn that RENEWED: when the next renewal is due (System.nanoTime). Renewal thread only. */
    private long nextRenewal;

    LockRenewal(DatabaseLock lock, LockPage page, LockConfig config, LockAcquisition acquisition, Counter renewals) {
        this.lock = lock;
        this.page = page;
        this.config = config;
        this.acquisition = acquisition;
        this.renewals = renewals;
    }

    /** Step 4, on the renewal thread: renews from {@code firstRenewal} (System.nanoTime) until {@code stop} or a fence. */
    void renewLoop(CountDownLatch stop, long firstRenewal) {
        long nextAt = firstRenewal;
        try {
            while (true) {
                if (stop.await(Math.max(0, nextAt - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    return;
                }
                Turn turn = lock.isSuspended() ? resume() : renew();
                switch (turn) {
                    case RENEWED -> nextAt = nextRenewal;
                    case RETRY -> nextAt = System.nanoTime() + config.pollInterval().toNanos();
                    case FENCED -> {
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            if (stop.getCount() > 0) {
                lock.fence(null, "the renewal thread was interrupted");
            }
        } catch (RuntimeException | Error e) {
            lock.fence(null, "the renewal thread failed: " + e);
            throw e;
        }
    }

    /** One renewal of a HELD lock; a failed or late one suspends it, an overwritten page fences it. */
    private Turn renew() throws InterruptedException {
        long expiry = lock.expiryNanos();
        if (System.nanoTime() - expiry >= 0) {
            return suspend("the renewal thread ran only after the lock's expiry (was this JVM paused?)", null);
        }
        LockRecord mine = lock.current();
        Read r;
        try {
            r = page.read(expiry, "read the lock page before renewing");
        } catch (TimeoutException e) {
            return suspend("reading the lock page before a renewal did not complete within the lock's expiry " + config.expiry()
                    + " (a page-server outage or failover longer than the expiry?)", null);
        } catch (IOException e) {
            return suspend("reading the lock page before a renewal failed: " + e.getMessage(), null);
        }
        if (!r.page().equals(mine.encode(LockRecord.PAGE_SIZE))) {
            return fenceBy(LockPage.content(r.page()), "the lock page was overwritten: it holds "
                    + LockPage.describe(LockPage.content(r.page())) + " instead of our " + mine);
        }
        LockRecord next = mine.next(State.HELD);
        lock.counter(next.counter());
        long submitted = System.nanoTime();
        // never sent after the expiry it renews: a renewal cannot land after a takeover (invariant 2)
        CompletableFuture<Long> write = page.write(next.encode(LockRecord.PAGE_SIZE), expiry);
        try {
            page.await(write, expiry, "renew the lock");
        } catch (TimeoutException e) {
            return suspend("a renewal was not durable before the lock expired (expiry " + config.expiry()
                    + "; a page-server outage or failover longer than the expiry?)", write);
        } catch (IOException e) {
            return suspend("a renewal failed: " + e.getMessage(), write);
        }
        if (System.nanoTime() - expiry >= 0) {
            return suspend("a renewal completed only after the lock's expiry", write);
        }
        lock.renewed(next, submitted + config.expiry().toNanos());
        renewals.increment();
        nextRenewal = submitted + config.renewalInterval().toNanos();
        return Turn.RENEWED;
    }

    /**
     * One attempt of a SUSPENDED lock to resolve: waits (turn by turn) until our latest write of the page is
     * resolved, reads the page, and claims the lock again on that read if it still holds our record.
     */
    private Turn resume() throws InterruptedException {
        if (page.closed()) {
            return fenceBy(null, "the pager client was closed while the lock was suspended");
        }
        CompletableFuture<?> doubt = lock.inDoubt();
        if (doubt != null && !doubt.isDone()) {
            return Turn.RETRY; // it may still be sent, up to its send deadline: only then is the page's record telling
        }
        long deadline = System.nanoTime() + config.expiry().toNanos();
        Read basis;
        try {
            basis = page.read(deadline, "read the lock page to resume holding it");
        } catch (TimeoutException | IOException e) {
            return Turn.RETRY; // the servers are still away: the lock stays suspended
        }
        Content seen = LockPage.content(basis.page());
        if (!lock.isOurs(seen)) {
            return fenceBy(seen, "while the lock was suspended, the page came to hold " + LockPage.describe(seen)
                    + " instead of our " + lock.current());
        }
        Claim claim;
        try {
            claim = acquisition.claim(basis, System.nanoTime() + config.acquireTimeout().toNanos());
        } catch (TimeoutException | IOException e) {
            return Turn.RETRY;
        }
        if (claim.attempt() == Attempt.VOID) {
            lock.inDoubt(claim.write());
            return Turn.RETRY;
        }
        if (claim.attempt() == Attempt.MISCOMPARED) {
            return fenceBy(claim.seen(), "another JVM claimed the lock while we resumed it: the page holds "
                    + LockPage.describe(claim.seen()));
        }
        if (!lock.resumed(claim.mine(), claim.validUntil())) {
            return Turn.FENCED; // released meanwhile: the renewal thread ends
        }
        nextRenewal = claim.submitted() + config.renewalInterval().toNanos();
        return Turn.RENEWED;
    }

    private Turn suspend(String reason, CompletableFuture<?> write) {
        if (page.closed()) {
            return fenceBy(null, reason + "; the pager client is closed");
        }
        lock.suspend(reason, write);
        return Turn.RETRY;
    }

    private Turn fenceBy(Content holder, String reason) {
        lock.fence(holder, reason);
        return Turn.FENCED;
    }
}
