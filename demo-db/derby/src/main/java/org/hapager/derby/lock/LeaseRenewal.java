package org.hapager.derby.lock;

import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hapager.derby.lock.LeaseRecord.State;
import org.hapager.derby.lock.LockPage.Read;

/**
 * Step 4 of the algorithm in {@link DatabaseLease} (hold): the loop of the daemon renewal thread that
 * {@link DatabaseLease} starts for each hold. Every renewal interval it checks that the page still holds our
 * latest record and writes the next one; a renewal that fails, is late, or finds the page overwritten reports
 * the loss to {@link DatabaseLease}. The timing rules and why they are safe are in {@link DatabaseLease}'s
 * javadoc.
 */
final class LeaseRenewal {

    private final DatabaseLease lease;
    private final LockPage page;
    private final LeaseConfig config;
    private final Counter renewals;

    LeaseRenewal(DatabaseLease lease, LockPage page, LeaseConfig config, Counter renewals) {
        this.lease = lease;
        this.page = page;
        this.config = config;
        this.renewals = renewals;
    }

    /** Step 4, on the renewal thread: renews from {@code firstRenewal} (System.nanoTime) until {@code stop}. */
    void renewLoop(CountDownLatch stop, long firstRenewal) {
        long nextAt = firstRenewal;
        try {
            while (true) {
                if (stop.await(Math.max(0, nextAt - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    return;
                }
                long expiry = lease.expiryNanos();
                if (System.nanoTime() - expiry >= 0) {
                    lease.lose("the renewal thread ran only after the lease had expired (was this JVM paused?)");
                    return;
                }
                LeaseRecord mine = lease.current();
                Read r;
                try {
                    r = page.read(expiry, "read the lock page before renewing");
                } catch (TimeoutException e) {
                    lease.lose("reading the lock page before a renewal did not complete within the lease " + config.lease()
                            + " (a page-server outage or failover longer than the lease?)");
                    return;
                }
                if (!r.page().equals(mine.encode(LeaseRecord.PAGE_SIZE))) {
                    lease.lose("the lock page was overwritten: it holds " + LockPage.describe(LeaseRecord.decode(r.page()))
                            + " instead of our " + mine);
                    return;
                }
                LeaseRecord next = mine.next(State.HELD);
                lease.counter(next.counter());
                long submitted = System.nanoTime();
                try {
                    page.await(page.write(next.encode(LeaseRecord.PAGE_SIZE)), expiry, "renew the lock");
                } catch (TimeoutException e) {
                    lease.lose("a renewal was not durable before the lease expired (lease " + config.lease()
                            + "; a page-server outage or failover longer than the lease?)");
                    return;
                }
                if (System.nanoTime() - expiry >= 0) {
                    lease.lose("a renewal completed only after the lease had expired");
                    return;
                }
                lease.renewed(next, submitted + config.lease().toNanos());
                renewals.increment();
                nextAt = submitted + config.renewalInterval().toNanos();
            }
        } catch (IOException e) {
            lease.lose("a renewal failed: " + e.getMessage());
        } catch (InterruptedException e) {
            if (stop.getCount() > 0) {
                lease.lose("the renewal thread was interrupted");
            }
        } catch (RuntimeException | Error e) {
            lease.lose("the renewal thread failed: " + e);
            throw e;
        }
    }
}
