package org.hapager.derby.lock;

import java.time.Duration;
import java.util.Objects;

/**
 * The timing of a {@link DatabaseLock}. {@link #ofExpiry(Duration)} derives everything from the expiry (how
 * long the lock stays valid without a renewal);
 * the canonical constructor checks every rule below and names the setting it refuses.
 *
 * <table>
 *   <caption>Settings, derived values and their rules</caption>
 *   <tr><th>setting</th><th>default ({@code ofExpiry(L)})</th><th>rule</th><th>meaning</th></tr>
 *   <tr><td>{@code expiry}</td><td>10 s</td><td>100 ms .. 1 h</td><td>how long the lock stays valid without
 *       a renewal: a holder whose latest renewal was submitted longer ago than this has lost the lock; a record
 *       unchanged for {@code expiry + margin} belongs to a dead holder</td></tr>
 *   <tr><td>{@code renewalInterval}</td><td>L / 4</td><td>&gt; 0, &le; expiry / 2</td><td>how often the holder
 *       rewrites the page; a renewal may stall for up to about {@code expiry - renewalInterval} (a failover)
 *       without losing the lock</td></tr>
 *   <tr><td>{@code settleDelay}</td><td>L / 5</td><td>&ge; 2 ms, &le; expiry / 2</td><td>nothing waits it any
 *       more (claims are compare-and-writes, see {@link DatabaseLock}); it sets {@link #ioTimeout()}, and
 *       keeps its name and default so that configurations and {@link #acquireTimeout()}'s rule stay as they
 *       were</td></tr>
 *   <tr><td>{@code acquireTimeout}</td><td>3 L</td><td>&ge; expiry + margin + 2 settleDelay</td><td>bound
 *       on one {@link DatabaseLock#tryAcquire()}: it decides or throws within it</td></tr>
 *   <tr><td>{@link #ioTimeout()}</td><td colspan="2">settleDelay / 2</td><td>an acquirer's claim must be durable
 *       within this of the read it was based on, and a release within this of its submission</td></tr>
 *   <tr><td>{@link #margin()}</td><td colspan="2">expiry / 5</td><td>covers clock rates differing and a
 *       write reissued by the pager after a failover taking effect twice: it must exceed the pager's failover
 *       stall (its lease plus the servers' fence timeout, 1.5 s by default). A holder's database writes are
 *       sent only until its expiry minus the margin ({@link DatabaseLock#isWritable()})</td></tr>
 *   <tr><td>{@link #pollInterval()}</td><td colspan="2">renewalInterval / 2</td><td>how often an acquirer
 *       re-reads a held record while watching it</td></tr>
 * </table>
 *
 * @param expiry          how long the lock stays valid without a renewal (see the table)
 * @param renewalInterval how often a holder renews
 * @param settleDelay     twice the io timeout (no longer waited: see the table)
 * @param acquireTimeout  bound on one acquisition attempt
 */
public record LockConfig(Duration expiry, Duration renewalInterval, Duration settleDelay, Duration acquireTimeout) {

    public static final Duration DEFAULT_EXPIRY = Duration.ofSeconds(10);
    static final Duration MIN_EXPIRY = Duration.ofMillis(100);
    static final Duration MAX_EXPIRY = Duration.ofHours(1);
    static final Duration MIN_SETTLE = Duration.ofMillis(2);

    public LockConfig {
        Objects.requireNonNull(expiry, "expiry");
        Objects.requireNonNull(renewalInterval, "renewalInterval");
        Objects.requireNonNull(settleDelay, "settleDelay");
        Objects.requireNonNull(acquireTimeout, "acquireTimeout");
        if (expiry.compareTo(MIN_EXPIRY) < 0 || expiry.compareTo(MAX_EXPIRY) > 0) {
            throw new IllegalArgumentException("expiry : " + expiry + " (expected: from " + MIN_EXPIRY + " to " + MAX_EXPIRY + ")");
        }
        if (renewalInterval.isNegative() || renewalInterval.isZero() || renewalInterval.compareTo(expiry.dividedBy(2)) > 0) {
            throw new IllegalArgumentException("renewalInterval : " + renewalInterval + " (expected: > 0 and at most expiry / 2 = "
                    + expiry.dividedBy(2) + ", so that a holder renews at least twice within the expiry)");
        }
        if (settleDelay.compareTo(MIN_SETTLE) < 0 || settleDelay.compareTo(expiry.dividedBy(2)) > 0) {
            throw new IllegalArgumentException("settleDelay : " + settleDelay + " (expected: from " + MIN_SETTLE
                    + " to expiry / 2 = " + expiry.dividedBy(2) + ", so that a claim is verified well within its expiry)");
        }
        Duration least = expiry.plus(expiry.dividedBy(5)).plus(settleDelay.multipliedBy(2));
        if (acquireTimeout.compareTo(least) < 0) {
            throw new IllegalArgumentException("acquireTimeout : " + acquireTimeout + " (expected: at least expiry + expiry / 5 + 2 × settleDelay = "
                    + least + ", the time to outwait a dead holder and claim)");
        }
    }

    /** Expiry {@code expiry}; renewal every quarter of it, settle delay a fifth, acquire timeout three times it. */
    public static LockConfig ofExpiry(Duration expiry) {
        Objects.requireNonNull(expiry, "expiry");
        return new LockConfig(expiry, expiry.dividedBy(4), expiry.dividedBy(5), expiry.multipliedBy(3));
    }

    /** {@code ofExpiry(10 s)}: renew every 2.5 s, settle 2 s, decide within 30 s. */
    public static LockConfig defaults() {
        return ofExpiry(DEFAULT_EXPIRY);
    }

    public LockConfig withRenewalInterval(Duration interval) {
        return new LockConfig(expiry, interval, settleDelay, acquireTimeout);
    }

    public LockConfig withSettleDelay(Duration settle) {
        return new LockConfig(expiry, renewalInterval, settle, acquireTimeout);
    }

    public LockConfig withAcquireTimeout(Duration timeout) {
        return new LockConfig(expiry, renewalInterval, settleDelay, timeout);
    }

    /** Half the settle delay: the bound on a claim (from the read it is based on) and on a release write. */
    public Duration ioTimeout() {
        return settleDelay.dividedBy(2);
    }

    /**
     * A fifth of the expiry, added to it by an acquirer outwaiting a holder: it covers the two hosts' clocks
     * running at slightly different rates and a write that the pager reissued after a failover taking effect
     * twice (see assumption (D) of {@link DatabaseLock}).
     */
    public Duration margin() {
        return expiry.dividedBy(5);
    }

    /** How long a record must stay unchanged before its holder counts as dead: expiry + margin. */
    public Duration deadAfter() {
        return expiry.plus(margin());
    }

    /** Half the renewal interval. */
    public Duration pollInterval() {
        return renewalInterval.dividedBy(2);
    }
}
