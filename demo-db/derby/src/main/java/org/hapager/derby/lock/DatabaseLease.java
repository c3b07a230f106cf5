package org.hapager.derby.lock;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.hapager.derby.lock.LeaseRecord.Blank;
import org.hapager.derby.lock.LeaseRecord.Content;
import org.hapager.derby.lock.LeaseRecord.State;
import org.hapager.derby.lock.LeaseRecord.Unreadable;
import org.hapager.derby.lock.LeaseRecord.Valid;
import org.hapager.pager.PageRead;
import org.hapager.pager.PagerClient;
import org.hapager.pager.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock that keeps two JVMs from booting one Derby database ({@code dbex.lck}): a <i>delta lease</i> (the
 * algorithm of sanlock's delta leases and of Chockler and Malkhi's light-weight leases) kept in page 0 of a
 * lock volume on the page servers. The servers offer nothing but atomic page reads and writes (no
 * compare-and-set, no clock), so the lease is built from those and from each JVM's own monotonic clock
 * ({@link System#nanoTime()}); no two hosts' clocks are ever compared. The page holds a {@link LeaseRecord}:
 * owner id, host and pid, a counter, HELD or RELEASED.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * DatabaseLease lock = new DatabaseLease(pager, "shop/dbex.lck", LeaseConfig.defaults(),
 *         (l, why) -> log.error("database shop lost its lock: {}", why));
 * if (!lock.tryAcquire()) {            // false: another live JVM holds it (lock.refusal() names it)
 *     throw ...;                       //   -> Derby's "another instance may have booted the database"
 * }
 * ...                                  // a daemon thread renews; lock.isHeld() says whether it still holds
 * lock.release();                      // at shutdown: idempotent, bounded, best effort
 * }</pre>
 *
 * <h2>The algorithm</h2>
 * A record on the page is <i>free</i> if the page is zeros or the record is RELEASED, <i>held</i> otherwise
 * (a HELD record, or bytes that are not a record at all, which are treated as a holder that cannot be named).
 * Timing ({@link LeaseConfig}): lease L, renewal interval R, settle delay S, io timeout T = S / 2, margin M.
 * <ol>
 *   <li><b>Observe.</b> Read the page. Free: go to 2 with this read as the <i>basis</i>. Held: re-read it every
 *       R / 2. If it changes to something held, its writer is alive: <b>refused</b>
 *       ({@link #tryAcquire()} returns false, naming the owner). If it changes to free, go to 2 with that read.
 *       If a read submitted at least L + M after the first read completed still returns the same bytes, the
 *       holder is dead: go to 2 with that read.</li>
 *   <li><b>Claim.</b> Write HELD(us, counter + 1). The write must complete within T of the submission of the
 *       basis read. If it does not, the attempt is <i>void</i>: the claim may still take effect later, so we
 *       do not trust it and go back to 1, where our own stale claim is just another record to outwait.</li>
 *   <li><b>Settle and verify.</b> Wait S after the claim completed, then read the page. Our claim: we hold the
 *       lock, valid until <i>claim submission</i> + L (the read must complete before that, else void). Anything
 *       else: someone else won: <b>refused</b>.</li>
 *   <li><b>Hold.</b> Every R a daemon thread reads the page (it must still be our latest record; anything else
 *       means someone wrote over us: <b>lost</b>) and writes HELD(us, counter + 1). A renewal that completes
 *       before the current expiry moves the expiry to its own <i>submission</i> + L; one that fails or does not
 *       complete before the expiry: <b>lost</b>. {@link #isHeld()} is true only before the expiry, whatever the
 *       renewal thread is doing, so a paused JVM sees its lock lapse on its own clock.</li>
 *   <li><b>Release.</b> Stop renewing (and wait for a renewal in flight); from here {@link #isHeld()} is
 *       false. If more than T of the lease is left, write RELEASED(us, counter + 1) and wait up to T for it.
 *       After a loss nothing is written.</li>
 * </ol>
 * States of one lease: IDLE → ACQUIRING → (IDLE after a refusal, or HELD) ; HELD → LOST (renewal failed, late,
 * or overwritten) or RELEASING → RELEASED; a RELEASED or LOST lease may acquire again (same owner id, larger
 * counter).
 *
 * <h3>Who writes the page, and when</h3>
 * Only these writes ever happen: (a) an acquirer's claim, after a complete observation; (b) a holder's renewals,
 * each submitted before its current expiry; (c) a holder's RELEASED, submitted with more than T left before its
 * expiry. Nothing is written after a lease has learnt it lost. The volume itself is never deleted or truncated
 * by this class, and must not be by anyone while the database may be open (zeros read as free).
 * Every record written is distinct from every other (a random owner id per lease object, a counter that grows
 * with each of its writes), so "unchanged" is decided by comparing bytes and no record can come back (no ABA)
 * except through a write taking effect twice, which (D) bounds.
 *
 * <h2>Assumptions</h2>
 * <ul>
 *   <li><b>(M) Atomic pages, writes inside their interval.</b> A page write takes effect atomically at one or
 *       more instants between its submission and its completion (more than one only when the pager reissued
 *       it after a failover); a read returns the page as of one instant between its submission and its
 *       completion. This is what {@link PagerClient} and the servers' fencing guarantee: a server writes only
 *       while it holds the storage reservation, and the reservation moves only after its holder drained or
 *       was killed. A write whose completion we stopped waiting for may still take effect later; every such
 *       write is a HELD record (a void claim or a late renewal), see below. Outside the model: a frozen page
 *       server that was never fenced resuming and executing an old request; anyone deleting the volume.</li>
 *   <li><b>(C) Clock rates.</b> The JVMs' monotonic clocks run at the same rate, to far better than M / L
 *       (20 %). Their values are never compared.</li>
 *   <li><b>(D) Reissues are quick.</b> When one write takes effect more than once, its first and last effects
 *       are less than M apart (a reissue happens within one failover: the pager's lease plus the servers'
 *       fence timeout, 1.5 s with the defaults, against M = 2 s for L = 10 s).</li>
 *   <li><b>(R) Releases are quick.</b> A RELEASED write completes within T. {@link #release()} checks this and
 *       logs a WARN when it does not (the one case the argument below does not cover).</li>
 * </ul>
 *
 * <h2>Why two JVMs never hold it at once</h2>
 * A lease <i>holds</i> from the completion of its verify read until its expiry, its loss, or the start of its
 * release, whichever comes first.
 * <ol>
 *   <li><b>A holder leaves a trace within every lease.</b> If P holds at instant t, P's latest completed write
 *       (claim or renewal) was submitted after t − L and completed before t, so (M) it took effect in
 *       (t − L, t].</li>
 *   <li><b>An outwaited record belongs to nobody who holds.</b> Say Q read bytes X at instant p1 (its read
 *       completed at r1) and again at instant pf, in a read submitted at r2 &ge; r1 + L + M. Suppose P holds at
 *       pf. By 1 a write w of P took effect at some ℓ in (pf − L, pf], so after p1 + M (using (C)). If w wrote X,
 *       then X, which only w writes, was already there at p1 &lt; ℓ − M, before w was submitted: impossible.
 *       Otherwise the page changed at ℓ and was X again at pf, so the one write of X took effect both before p1
 *       and after ℓ &gt; p1 + M, against (D). So nobody holds at pf, and Q's claim (step 2) cannot overlap a
 *       holder that was alive when Q decided; holders that appear later are handled by 3.</li>
 *   <li><b>Two racing claims: the later one is void or seen.</b> Let A and B both verify successfully, and let
 *       a*, b* be the last instants at which their claims took effect before their verify reads' instants
 *       v_A, v_B. A's verify returned A's claim, so nothing took effect in (a*, v_A); likewise for B. Say
 *       b* &gt; a*; then b* &ge; v_A. B's claim completed within T of the submission of B's basis read (else
 *       B's attempt was void), so that read's instant pf_B &ge; b* − T &ge; v_A − T &ge; (A's claim completion
 *       + S) − T &gt; a* (S = 2T leaves T for (C)). So B's basis read came after A's claim took effect and saw
 *       either A's claim or a later write: A's claim or renewal, held → B had to outwait it, and by 2 A did
 *       not hold when B decided (A's claim outwaited means A's verify deadline, claim submission + L, had
 *       passed); A's RELEASED → A had stopped holding; another lease's record → the same reasoning one step
 *       earlier. Either way A's hold ended before B's began.</li>
 *   <li><b>Late writes only delay others.</b> A void claim or a renewal that completed late (its writer no longer
 *       holds) can take effect at any later time. It is a HELD record: an acquirer that sees it change
 *       refuses (a liveness cost: retry), one that sees it unchanged for L + M may take over (correct by 2), a
 *       verify that sees it fails, and a holder whose page it overwrote notices at its next renewal and gives
 *       the lock up (safe: a spurious loss, reported). It is never read as free.</li>
 *   <li><b>Releases.</b> A RELEASED record makes the next acquirer skip step 1's wait. By (R) and the rule "more
 *       than T left", all of a release's effects (including a reissue) happen within T of its submission and
 *       before its writer's expiry. An acquirer that based its claim on it verifies at least S &gt; T later,
 *       so no effect of that RELEASED can come after its verify and turn the page back to free under it.</li>
 * </ol>
 * The argument is a proof sketch, not a checked proof. The argument for 3 is sanlock's: an acquirer that
 * cannot get its claim durable within T gives up rather than trust it, and S = 2T is long enough for any
 * claim that was not given up to be visible to the other's verify.
 *
 * <h2>What a loss means for Derby</h2>
 * The lock is advisory: the page servers do not check it, and a booted Derby cannot be un-booted. When the lease
 * learns it lost (renewal failed, too late, or the page was overwritten), it logs an ERROR, counts
 * {@code hapager.derby.lock.lost}, and calls the {@link LossListener} once. Derby in this JVM keeps running;
 * after L + M another JVM may boot the same database, and two Derbys writing one database corrupt it. The
 * storage factory should therefore refuse further writes of that database once {@link #isHeld()} is false
 * (Derby then fails the transaction and, on a log write, shuts the database down), and the operator should
 * shut it down. A renewal stall shorter than about L − R (a page-server failover, typically 1–2 s) does not
 * lose the lock.
 *
 * <h2>Threads</h2>
 * {@link #tryAcquire()} and {@link #release()} may be called from any thread, not concurrently with each other;
 * {@link #isHeld()} from any thread at any time. Renewals run on one daemon thread per held lock. Every wait
 * has a deadline; an interrupt of a caller gives up the operation (the lock is not acquired, or RELEASED is not
 * written) and leaves the thread's interrupt flag set.
 */
public final class DatabaseLease implements AutoCloseable {

    /** Told once when a held lock is lost (not when it is released). Runs on the renewal thread: keep it short. */
    @FunctionalInterface
    public interface LossListener {
        void lockLost(DatabaseLease lease, String reason);
    }

    private enum Phase { IDLE, ACQUIRING, HELD, RELEASING, LOST, RELEASED }

    private enum Attempt { ACQUIRED, REFUSED, VOID }

    /** A read of the lock page: when it was submitted and completed, and the page. */
    private record Read(long submitted, long completed, ByteBuffer page) {
    }

    private static final Logger log = LoggerFactory.getLogger(DatabaseLease.class);
    private static final Duration FENCE_TIMEOUT = Duration.ofMillis(500);

    private final PagerClient pager;
    private final Volume volume;
    private final LeaseConfig config;
    private final LossListener listener;
    private final UUID ownerId = UUID.randomUUID();
    private final String description;
    private final Counter renewals;
    private final Counter losses;

    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private Phase phase = Phase.IDLE;
    private Thread renewer;
    private CountDownLatch stopRenewing;

    /** The counter of our latest write of any kind: the next one is larger. */
    private volatile long counter;
    /** Our latest completed HELD record: what the page should hold while we hold. */
    private volatile LeaseRecord current;
    /** The lock is ours while {@code valid} and before this instant (System.nanoTime). */
    private volatile long expiryNanos;
    private volatile boolean valid;
    private volatile String refusal = "";
    private volatile String lossReason;

    /**
     * A lease on page 0 of volume {@code volumeName}, with meters in the pager's registry.
     *
     * @param listener told when a held lock is lost; may be null
     */
    public DatabaseLease(PagerClient pager, String volumeName, LeaseConfig config, LossListener listener) {
        this(pager, volumeName, config, pager.config().meterRegistry(), listener);
    }

    /**
     * A lease on page 0 of volume {@code volumeName}.
     *
     * @param listener told when a held lock is lost; may be null
     */
    public DatabaseLease(PagerClient pager, String volumeName, LeaseConfig config, MeterRegistry registry,
                         LossListener listener) {
        this.pager = Objects.requireNonNull(pager, "pager");
        this.volume = Volume.of(volumeName, LeaseRecord.PAGE_SIZE);
        this.config = Objects.requireNonNull(config, "config");
        this.listener = listener != null ? listener : (l, why) -> { };
        this.description = "host " + Host.NAME + " pid " + ProcessHandle.current().pid();
        this.renewals = Counter.builder("hapager.derby.lock.renewals").tag("lock", volumeName)
                .description("renewals of the database lock written in time").register(registry);
        this.losses = Counter.builder("hapager.derby.lock.lost").tag("lock", volumeName)
                .description("database locks lost while held (renewal failed, late or overwritten)").register(registry);
        Duration stall = pager.config().lease().plus(FENCE_TIMEOUT);
        if (config.margin().compareTo(stall) <= 0) {
            log.warn("lock {}: margin {} (lease / 5) is not longer than the pager's failover stall (its lease {} + fence timeout {}): "
                    + "a write reissued after a failover could make a live holder look dead; use a lock lease above {}",
                    volume.name(), config.margin(), pager.config().lease(), FENCE_TIMEOUT, stall.multipliedBy(5));
        }
    }

    // ------------------------------------------------------------------ acquire

    /**
     * Tries to take the lock: observes the page (up to {@code lease + margin} if another JVM's record is on it),
     * claims it, waits the settle delay and reads it back. Returns at once with true if this lease already
     * holds it.
     *
     * @return true if this lease now holds the lock; false if another live JVM holds it, another acquirer won
     *         the race, or the caller was interrupted (its interrupt flag is then set): {@link #refusal()} says
     *         which and names the other owner
     * @throws IOException if the page servers fail a request, or no decision was reached within
     *                     {@link LeaseConfig#acquireTimeout()}
     * @throws LeaseRecord.UnsupportedFormatException if the page holds a record of a newer format
     */
    public boolean tryAcquire() throws IOException {
        synchronized (lock) {
            switch (phase) {
                case HELD -> {
                    if (isHeld()) {
                        return true;
                    }
                    throw new IllegalStateException("lock " + volume.name() + " has expired and its loss is being reported; release it first");
                }
                case ACQUIRING, RELEASING -> throw new IllegalStateException("lock " + volume.name() + " is " + phase + " in another thread");
                default -> phase = Phase.ACQUIRING;
            }
            refusal = "";
        }
        boolean acquired = false;
        long deadline = System.nanoTime() + config.acquireTimeout().toNanos();
        String stage = "create the lock volume";
        try {
            await(pager.create(volume.name(), false), deadline, stage);
            while (true) {
                stage = "observe the lock page";
                Read basis = observe(deadline);
                if (basis == null) {
                    return false;
                }
                stage = "claim the lock";
                Attempt attempt = claim(basis, deadline);
                if (attempt == Attempt.ACQUIRED) {
                    acquired = true;
                    return true;
                }
                if (attempt == Attempt.REFUSED) {
                    return false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            refuse("interrupted while trying to " + stage + "; the lock is not held");
            return false;
        } catch (TimeoutException e) {
            throw new IOException("lock " + volume.name() + ": no decision within acquireTimeout " + config.acquireTimeout()
                    + " (while trying to " + stage + ")", e);
        } finally {
            if (!acquired) {
                synchronized (lock) {
                    phase = Phase.IDLE;
                }
            }
        }
    }

    /**
     * Step 1: returns the read to base a claim on, or null after refusing because a live owner holds the lock.
     */
    private Read observe(long deadline) throws IOException, InterruptedException, TimeoutException {
        Read first = read(deadline, "read the lock page");
        Content seen = LeaseRecord.decode(first.page);
        if (isFree(seen)) {
            return first;
        }
        long poll = config.pollInterval().toNanos();
        long deadAt = first.completed + config.deadAfter().toNanos();
        log.debug("lock {}: held by {}; watching it for up to {}", volume.name(), describe(seen), config.deadAfter());
        while (true) {
            long next = Math.min(System.nanoTime() + poll, deadAt);
            if (next - deadline > 0) {
                throw new TimeoutException("outwaiting " + describe(seen));
            }
            parkUntil(next);
            Read r = read(deadline, "re-read the lock page");
            if (!r.page.equals(first.page)) {
                Content now = LeaseRecord.decode(r.page);
                if (isFree(now)) {
                    log.debug("lock {}: released by {} while we watched", volume.name(), describe(seen));
                    return r;
                }
                refuse("lock " + volume.name() + " is held by " + describe(now) + ": its record changed within "
                        + millis(r.completed - first.completed) + " ms, so its owner is alive");
                return null;
            }
            if (r.submitted - deadAt >= 0) {
                log.info("lock {}: {} unchanged for {} ms (lease {} + margin {}): its owner is presumed dead; taking the lock over",
                        volume.name(), describe(seen), millis(r.submitted - first.completed), config.lease(), config.margin());
                return r;
            }
        }
    }

    /** Steps 2 and 3. */
    private Attempt claim(Read basis, long deadline) throws IOException, InterruptedException, TimeoutException {
        long base = LeaseRecord.decode(basis.page) instanceof Valid v ? v.record().counter() : 0;
        LeaseRecord mine = new LeaseRecord(State.HELD, ownerId, Math.max(base, counter) + 1, description);
        counter = mine.counter();
        ByteBuffer bytes = mine.encode(LeaseRecord.PAGE_SIZE);
        long ioDeadline = basis.submitted + config.ioTimeout().toNanos();
        long submitted = System.nanoTime();
        CompletableFuture<Long> write = pager.write(volume, 0, bytes);
        try {
            await(write, Math.min(ioDeadline, deadline), "write the claim");
        } catch (TimeoutException e) {
            if (deadline - ioDeadline <= 0) {
                throw e;
            }
        }
        long completed = System.nanoTime();
        if (!write.isDone() || completed - ioDeadline > 0) {
            log.info("lock {}: our claim was not durable within ioTimeout {} of the read it was based on; it may still take effect, "
                    + "so this attempt is void: observing the page again", volume.name(), config.ioTimeout());
            return Attempt.VOID;
        }
        long verifyAt = completed + config.settleDelay().toNanos();
        if (verifyAt - deadline > 0) {
            throw new TimeoutException("settling the claim");
        }
        parkUntil(verifyAt);
        long validUntil = submitted + config.lease().toNanos();
        Read check;
        try {
            check = read(Math.min(validUntil, deadline), "read the claim back");
        } catch (TimeoutException e) {
            if (deadline - validUntil <= 0) {
                throw e;
            }
            check = null;
        }
        if (check == null || check.completed - validUntil >= 0) {
            log.info("lock {}: reading our claim back did not complete within its lease {}; this attempt is void: observing again",
                    volume.name(), config.lease());
            return Attempt.VOID;
        }
        if (!check.page.equals(bytes)) {
            refuse("lock " + volume.name() + ": another JVM won the race for it: the page now holds "
                    + describe(LeaseRecord.decode(check.page)));
            return Attempt.REFUSED;
        }
        hold(mine, validUntil, submitted + config.renewalInterval().toNanos());
        log.info("lock {}: acquired by {} (owner {}, counter {}), lease {}", volume.name(), description, ownerId, mine.counter(),
                config.lease());
        return Attempt.ACQUIRED;
    }

    private void hold(LeaseRecord mine, long expiry, long firstRenewal) {
        CountDownLatch stop = new CountDownLatch(1);
        Thread t = new Thread(() -> renewLoop(stop, firstRenewal), "hapager-lock-renewal " + volume.name());
        t.setDaemon(true);
        synchronized (lock) {
            current = mine;
            expiryNanos = expiry;
            lossReason = null;
            refusal = "";
            valid = true;
            renewer = t;
            stopRenewing = stop;
            phase = Phase.HELD;
        }
        t.start();
    }

    // ------------------------------------------------------------------ hold

    /** Step 4, on the renewal thread. */
    private void renewLoop(CountDownLatch stop, long firstRenewal) {
        long nextAt = firstRenewal;
        try {
            while (true) {
                if (stop.await(Math.max(0, nextAt - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    return;
                }
                long expiry = expiryNanos;
                if (System.nanoTime() - expiry >= 0) {
                    lose("the renewal thread ran only after the lease had expired (was this JVM paused?)");
                    return;
                }
                LeaseRecord mine = current;
                Read r;
                try {
                    r = read(expiry, "read the lock page before renewing");
                } catch (TimeoutException e) {
                    lose("reading the lock page before a renewal did not complete within the lease " + config.lease()
                            + " (a page-server outage or failover longer than the lease?)");
                    return;
                }
                if (!r.page.equals(mine.encode(LeaseRecord.PAGE_SIZE))) {
                    lose("the lock page was overwritten: it holds " + describe(LeaseRecord.decode(r.page)) + " instead of our " + mine);
                    return;
                }
                LeaseRecord next = mine.next(State.HELD);
                counter = next.counter();
                long submitted = System.nanoTime();
                try {
                    await(pager.write(volume, 0, next.encode(LeaseRecord.PAGE_SIZE)), expiry, "renew the lock");
                } catch (TimeoutException e) {
                    lose("a renewal was not durable before the lease expired (lease " + config.lease()
                            + "; a page-server outage or failover longer than the lease?)");
                    return;
                }
                if (System.nanoTime() - expiry >= 0) {
                    lose("a renewal completed only after the lease had expired");
                    return;
                }
                current = next;
                expiryNanos = submitted + config.lease().toNanos();
                renewals.increment();
                nextAt = submitted + config.renewalInterval().toNanos();
            }
        } catch (IOException e) {
            lose("a renewal failed: " + e.getMessage());
        } catch (InterruptedException e) {
            if (stop.getCount() > 0) {
                lose("the renewal thread was interrupted");
            }
        } catch (RuntimeException | Error e) {
            lose("the renewal thread failed: " + e);
            throw e;
        }
    }

    private void lose(String reason) {
        boolean releasing;
        synchronized (lock) {
            if (phase != Phase.HELD && phase != Phase.RELEASING) {
                return;
            }
            valid = false;
            lossReason = reason;
            releasing = phase == Phase.RELEASING;
            if (!releasing) {
                phase = Phase.LOST;
            }
        }
        losses.increment();
        if (releasing) {
            log.warn("lock {}: lost while being released: {}", volume.name(), reason);
            return;
        }
        log.error("DATABASE LOCK LOST: lock {} held by {} (owner {}): {}. Derby in this JVM cannot be stopped by the lock: "
                + "another JVM may boot this database after {} and two JVMs writing it corrupt it. Shut this database down.",
                volume.name(), description, ownerId, reason, config.deadAfter());
        try {
            listener.lockLost(this, reason);
        } catch (RuntimeException e) {
            log.error("lock {}: the loss listener failed", volume.name(), e);
        }
    }

    // ------------------------------------------------------------------ release

    /**
     * Step 5: stops renewing and, if the lock is still held with more than {@link LeaseConfig#ioTimeout()}
     * left, writes RELEASED so that the next JVM need not outwait the lease. Idempotent; does nothing if the
     * lock is not held (never acquired, released, or lost). Bounded: waits at most for a renewal in flight (up
     * to the lease's expiry) and {@code ioTimeout} for the RELEASED write. Failures are logged, not thrown: an
     * unreleased lock frees itself after {@code lease + margin}.
     */
    public void release() {
        Thread thread;
        CountDownLatch stop;
        synchronized (lock) {
            if (phase == Phase.LOST) {
                phase = Phase.RELEASED;
                return;
            }
            if (phase != Phase.HELD) {
                return;
            }
            phase = Phase.RELEASING;
            valid = false;
            thread = renewer;
            stop = stopRenewing;
        }
        boolean interrupted = false;
        try {
            stop.countDown();
            long waitNanos = expiryNanos - System.nanoTime() + config.ioTimeout().toNanos();
            if (waitNanos > 0) {
                TimeUnit.NANOSECONDS.timedJoin(thread, waitNanos);
            }
            if (thread.isAlive()) {
                log.warn("lock {}: the renewal thread did not stop in time; not writing RELEASED: the lock frees itself after {}",
                        volume.name(), config.deadAfter());
                return;
            }
            if (lossReason != null) {
                return;
            }
            long submitted = System.nanoTime();
            long left = expiryNanos - submitted;
            if (left - config.ioTimeout().toNanos() <= 0) {
                log.warn("lock {}: only {} ms of the lease left, not enough to release it safely; it frees itself after {}",
                        volume.name(), millis(left), config.deadAfter());
                return;
            }
            LeaseRecord released = current.next(State.RELEASED);
            counter = released.counter();
            CompletableFuture<Long> write = pager.write(volume, 0, released.encode(LeaseRecord.PAGE_SIZE));
            try {
                await(write, submitted + config.ioTimeout().toNanos(), "write RELEASED");
                log.info("lock {}: released by {} (owner {}, counter {})", volume.name(), description, ownerId, released.counter());
            } catch (TimeoutException e) {
                log.warn("lock {}: RELEASED was not durable within ioTimeout {}; if it takes effect later, a JVM that has "
                        + "taken the lock meanwhile could see it as free (assumption (R) of DatabaseLease)", volume.name(), config.ioTimeout());
            } catch (IOException e) {
                log.warn("lock {}: could not write RELEASED ({}); the lock frees itself after {}", volume.name(), e.getMessage(),
                        config.deadAfter());
            }
        } catch (InterruptedException e) {
            interrupted = true;
            log.warn("lock {}: interrupted while releasing; the lock frees itself after {}", volume.name(), config.deadAfter());
        } finally {
            synchronized (lock) {
                phase = Phase.RELEASED;
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@link #release()}. */
    @Override
    public void close() {
        release();
    }

    // ------------------------------------------------------------------ state

    /** Whether this lease holds the lock now: acquired, not released or lost, and before its expiry. */
    public boolean isHeld() {
        return valid && System.nanoTime() - expiryNanos < 0;
    }

    /** Why the latest {@link #tryAcquire()} returned false (naming the owner), or "" if it did not. */
    public String refusal() {
        return refusal;
    }

    /** Why the lock was lost, or null if it was not lost since it was last acquired. */
    public String lossReason() {
        return lossReason;
    }

    /** This lease's owner id, written in every record. */
    public UUID ownerId() {
        return ownerId;
    }

    /** Host and pid, as written in the records. */
    public String description() {
        return description;
    }

    public String volumeName() {
        return volume.name();
    }

    public LeaseConfig config() {
        return config;
    }

    @Override
    public String toString() {
        return "DatabaseLease[" + volume.name() + ", " + description + ", owner " + ownerId + ", " + (isHeld() ? "held" : "not held") + "]";
    }

    // ------------------------------------------------------------------ helpers

    private void refuse(String why) {
        refusal = why;
        log.info("{}", why);
    }

    private static boolean isFree(Content c) {
        return c instanceof Blank || c instanceof Valid v && v.record().state() == State.RELEASED;
    }

    private static String describe(Content c) {
        if (c instanceof Valid v) {
            return v.record().toString();
        }
        if (c instanceof Unreadable u) {
            return "an unknown owner (the page is not a lock record: " + u.why() + ")";
        }
        return "nobody (blank page)";
    }

    private Read read(long deadline, String what) throws IOException, InterruptedException, TimeoutException {
        long submitted = System.nanoTime();
        PageRead r = await(pager.read(volume, 0, 1), deadline, what);
        return new Read(submitted, System.nanoTime(), r.data());
    }

    private <T> T await(CompletableFuture<T> future, long deadline, String what)
            throws IOException, InterruptedException, TimeoutException {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new IOException("lock " + volume.name() + ": " + what + " failed: " + cause.getMessage(), cause);
        }
    }

    /** Waits until {@code deadline} (System.nanoTime); an interrupt ends the wait with InterruptedException. */
    private static void parkUntil(long deadline) throws InterruptedException {
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

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** This host's name, looked up once. */
    private static final class Host {
        static final String NAME = lookUp();

        private static String lookUp() {
            String env = System.getenv("HOSTNAME");
            if (env != null && !env.isBlank()) {
                return env;
            }
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                return "unknown-host";
            }
        }
    }
}
