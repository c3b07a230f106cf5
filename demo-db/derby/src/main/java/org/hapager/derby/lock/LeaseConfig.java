package org.hapager.derby.lock;

import java.time.Duration;
import java.util.Objects;

/**
 * The timing of a {@link DatabaseLease}. {@link #ofLease(Duration)} derives everything from the lease;
 * the canonical constructor checks every rule below and names the setting it refuses.
 *
 * <table>
 *   <caption>Settings, derived values and their rules</caption>
 *   <tr><th>setting</th><th>default ({@code ofLease(L)})</th><th>rule</th><th>meaning</th></tr>
 *   <tr><td>{@code lease}</td><td>10 s</td><td>100 ms .. 1 h</td><td>a holder whose latest renewal was
 *       submitted longer ago than this has lost the lock; a record unchanged for {@code lease + margin}
 *       belongs to a dead holder</td></tr>
 *   <tr><td>{@code renewalInterval}</td><td>L / 4</td><td>&gt; 0, &le; lease / 2</td><td>how often the holder
 *       rewrites the page; a renewal may stall for up to about {@code lease - renewalInterval} (a failover)
 *       without losing the lock</td></tr>
 *   <tr><td>{@code settleDelay}</td><td>L / 5</td><td>&ge; 2 ms, &le; lease / 2</td><td>nothing waits it any
 *       more (claims are compare-and-writes, see {@link DatabaseLease}); it sets {@link #ioTimeout()}, and
 *       keeps its name and default so that configurations and {@link #acquireTimeout()}'s rule stay as they
 *       were</td></tr>
 *   <tr><td>{@code acquireTimeout}</td><td>3 L</td><td>&ge; lease + margin + 2 settleDelay</td><td>bound
 *       on one {@link DatabaseLease#tryAcquire()}: it decides or throws within it</td></tr>
 *   <tr><td>{@link #ioTimeout()}</td><td colspan="2">settleDelay / 2</td><td>an acquirer's claim must be durable
 *       within this of the read it was based on, and a release within this of its submission</td></tr>
 *   <tr><td>{@link #margin()}</td><td colspan="2">lease / 5</td><td>covers clock rates differing and a
 *       write reissued by the pager after a failover taking effect twice: it must exceed the pager's failover
 *       stall (its lease plus the servers' fence timeout, 1.5 s by default). A holder's database writes are
 *       sent only until its expiry minus the margin ({@link DatabaseLease#isWritable()})</td></tr>
 *   <tr><td>{@link #pollInterval()}</td><td colspan="2">renewalInterval / 2</td><td>how often an acquirer
 *       re-reads a held record while watching it</td></tr>
 * </table>
 *
 * @param lease           the lease (see the table)
 * @param renewalInterval how often a holder renews
 * @param settleDelay     twice the io timeout (no longer waited: see the table)
 * @param acquireTimeout  bound on one acquisition attempt
 */
public record LeaseConfig(Duration lease, Duration renewalInterval, Duration settleDelay, Duration acquireTimeout) {

    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    static final Duration MIN_LEASE = Duration.ofMillis(100);
    static final Duration MAX_LEASE = Duration.ofHours(1);
    static final Duration MIN_SETTLE = Duration.ofMillis(2);

    public LeaseConfig {
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(renewalInterval, "renewalInterval");
        Objects.requireNonNull(settleDelay, "settleDelay");
        Objects.requireNonNull(acquireTimeout, "acquireTimeout");
        if (lease.compareTo(MIN_LEASE) < 0 || lease.compareTo(MAX_LEASE) > 0) {
            throw new IllegalArgumentException("lease : " + lease + " (expected: from " + MIN_LEASE + " to " + MAX_LEASE + ")");
        }
        if (renewalInterval.isNegative() || renewalInterval.isZero() || renewalInterval.compareTo(lease.dividedBy(2)) > 0) {
            throw new IllegalArgumentException("renewalInterval : " + renewalInterval + " (expected: > 0 and at most lease / 2 = "
                    + lease.dividedBy(2) + ", so that a holder renews at least twice per lease)");
        }
        if (settleDelay.compareTo(MIN_SETTLE) < 0 || settleDelay.compareTo(lease.dividedBy(2)) > 0) {
            throw new IllegalArgumentException("settleDelay : " + settleDelay + " (expected: from " + MIN_SETTLE
                    + " to lease / 2 = " + lease.dividedBy(2) + ", so that a claim is verified well within its lease)");
        }
        Duration least = lease.plus(lease.dividedBy(5)).plus(settleDelay.multipliedBy(2));
        if (acquireTimeout.compareTo(least) < 0) {
            throw new IllegalArgumentException("acquireTimeout : " + acquireTimeout + " (expected: at least lease + lease / 5 + 2 × settleDelay = "
                    + least + ", the time to outwait a dead holder and claim)");
        }
    }

    /** Lease {@code lease}; renewal every quarter of it, settle delay a fifth, acquire timeout three leases. */
    public static LeaseConfig ofLease(Duration lease) {
        Objects.requireNonNull(lease, "lease");
        return new LeaseConfig(lease, lease.dividedBy(4), lease.dividedBy(5), lease.multipliedBy(3));
    }

    /** {@code ofLease(10 s)}: renew every 2.5 s, settle 2 s, decide within 30 s. */
    public static LeaseConfig defaults() {
        return ofLease(DEFAULT_LEASE);
    }

    public LeaseConfig withRenewalInterval(Duration interval) {
        return new LeaseConfig(lease, interval, settleDelay, acquireTimeout);
    }

    public LeaseConfig withSettleDelay(Duration settle) {
        return new LeaseConfig(lease, renewalInterval, settle, acquireTimeout);
    }

    public LeaseConfig withAcquireTimeout(Duration timeout) {
        return new LeaseConfig(lease, renewalInterval, settleDelay, timeout);
    }

    /** Half the settle delay: the bound on a claim (from the read it is based on) and on a release write. */
    public Duration ioTimeout() {
        return settleDelay.dividedBy(2);
    }

    /**
     * A fifth of the lease, added to it by an acquirer outwaiting a holder: it covers the two hosts' clocks
     * running at slightly different rates and a write that the pager reissued after a failover taking effect
     * twice (see assumption (D) of {@link DatabaseLease}).
     */
    public Duration margin() {
        return lease.dividedBy(5);
    }

    /** How long a record must stay unchanged before its holder counts as dead: lease + margin. */
    public Duration deadAfter() {
        return lease.plus(margin());
    }

    /** Half the renewal interval. */
    public Duration pollInterval() {
        return renewalInterval.dividedBy(2);
    }
}
