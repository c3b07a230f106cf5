package org.hapager.derby.lock;

import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hapager.derby.lock.LeaseAcquisition.Attempt;
import org.hapager.derby.lock.LeaseAcquisition.Claim;
import org.hapager.derby.lock.LeaseRecord.Content;
import org.hapager.derby.lock.LeaseRecord.State;
import org.hapager.derby.lock.LockPage.Read;

/**
 * Step 4 of the algorithm in {@link DatabaseLease} (hold, suspend, resume or fence): the loop of the daemon
 * renewal thread that {@link DatabaseLease} starts for each hold. While HELD, every renewal interval it
 * checks that the page still holds our latest record and writes the next one. A renewal that fails or is
 * late SUSPENDS the lease; then, every poll interval, once our earlier writes of the page are resolved, it
 * reads the page: still our record, it claims the lock again (step 2: a compare-and-write over exactly that
 * read) and the lease is HELD again; anything else, or a claim that miscompares, FENCES it. The timing rules and why they
 * are safe are in {@link DatabaseLease}'s javadoc.
 */
final class LeaseRenewal {

    /** What one turn of the loop did: renewed (or resumed) the lock, must try again soon, or fenced it. */
    private enum Turn { RENEWED, RETRY, FENCED }

    private final DatabaseLease lease;
    private final LockPage page;
    private final LeaseConfig config;
    private final LeaseAcquisition acquisition;
    private final Counter renewals;
    /** Set by a turn that RENEWED: when the next renewal is due (System.nanoTime). Renewal thread only. */
    private long nextRenewal;

    LeaseRenewal(DatabaseLease lease, LockPage page, LeaseConfig config, LeaseAcquisition acquisition, Counter renewals) {
        this.lease = lease;
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
                Turn turn = lease.isSuspended() ? resume() : renew();
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
                lease.fence(null, "the renewal thread was interrupted");
            }
        } catch (RuntimeException | Error e) {
            lease.fence(null, "the renewal thread failed: " + e);
            throw e;
        }
    }

    /** One renewal of a HELD lease; a failed or late one suspends it, an overwritten page fences it. */
    private Turn renew() throws InterruptedException {
        long expiry = lease.expiryNanos();
        if (System.nanoTime() - expiry >= 0) {
            return suspend("the renewal thread ran only after the lease had expired (was this JVM paused?)", null);
        }
        LeaseRecord mine = lease.current();
        Read r;
        try {
            r = page.read(expiry, "read the lock page before renewing");
        } catch (TimeoutException e) {
            return suspend("reading the lock page before a renewal did not complete within the lease " + config.lease()
                    + " (a page-server outage or failover longer than the lease?)", null);
        } catch (IOException e) {
            return suspend("reading the lock page before a renewal failed: " + e.getMessage(), null);
        }
        if (!r.page().equals(mine.encode(LeaseRecord.PAGE_SIZE))) {
            return fenceBy(LockPage.content(r.page()), "the lock page was overwritten: it holds "
                    + LockPage.describe(LockPage.content(r.page())) + " instead of our " + mine);
        }
        LeaseRecord next = mine.next(State.HELD);
        lease.counter(next.counter());
        long submitted = System.nanoTime();
        // never sent after the lease it renews expired: a renewal cannot land after a takeover (invariant 2)
        CompletableFuture<Long> write = page.write(next.encode(LeaseRecord.PAGE_SIZE), expiry);
        try {
            page.await(write, expiry, "renew the lock");
        } catch (TimeoutException e) {
            return suspend("a renewal was not durable before the lease expired (lease " + config.lease()
                    + "; a page-server outage or failover longer than the lease?)", write);
        } catch (IOException e) {
            return suspend("a renewal failed: " + e.getMessage(), write);
        }
        if (System.nanoTime() - expiry >= 0) {
            return suspend("a renewal completed only after the lease had expired", write);
        }
        lease.renewed(next, submitted + config.lease().toNanos());
        renewals.increment();
        nextRenewal = submitted + config.renewalInterval().toNanos();
        return Turn.RENEWED;
    }

    /**
     * One attempt of a SUSPENDED lease to resolve: waits (turn by turn) until our latest write of the page is
     * resolved, reads the page, and claims the lock again on that read if it still holds our record.
     */
    private Turn resume() throws InterruptedException {
        if (page.closed()) {
            return fenceBy(null, "the pager client was closed while the lock was suspended");
        }
        CompletableFuture<?> doubt = lease.inDoubt();
        if (doubt != null && !doubt.isDone()) {
            return Turn.RETRY; // it may still be sent, up to its send deadline: only then is the page's record telling
        }
        long deadline = System.nanoTime() + config.lease().toNanos();
        Read basis;
        try {
            basis = page.read(deadline, "read the lock page to resume holding it");
        } catch (TimeoutException | IOException e) {
            return Turn.RETRY; // the servers are still away: the lock stays suspended
        }
        Content seen = LockPage.content(basis.page());
        if (!lease.isOurs(seen)) {
            return fenceBy(seen, "while the lock was suspended, the page came to hold " + LockPage.describe(seen)
                    + " instead of our " + lease.current());
        }
        Claim claim;
        try {
            claim = acquisition.claim(basis, System.nanoTime() + config.acquireTimeout().toNanos());
        } catch (TimeoutException | IOException e) {
            return Turn.RETRY;
        }
        if (claim.attempt() == Attempt.VOID) {
            lease.inDoubt(claim.write());
            return Turn.RETRY;
        }
        if (claim.attempt() == Attempt.MISCOMPARED) {
            return fenceBy(claim.seen(), "another JVM claimed the lock while we resumed it: the page holds "
                    + LockPage.describe(claim.seen()));
        }
        if (!lease.resumed(claim.mine(), claim.validUntil())) {
            return Turn.FENCED; // released meanwhile: the renewal thread ends
        }
        nextRenewal = claim.submitted() + config.renewalInterval().toNanos();
        return Turn.RENEWED;
    }

    private Turn suspend(String reason, CompletableFuture<?> write) {
        if (page.closed()) {
            return fenceBy(null, reason + "; the pager client is closed");
        }
        lease.suspend(reason, write);
        return Turn.RETRY;
    }

    private Turn fenceBy(Content holder, String reason) {
        lease.fence(holder, reason);
        return Turn.FENCED;
    }
}
