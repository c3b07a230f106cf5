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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hapager.derby.lock.LockRecord.Content;
import org.hapager.derby.lock.LockRecord.State;
import org.hapager.pager.CompareAndWriteResult;
import org.hapager.pager.PagerClient;
import org.hapager.pager.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock that keeps two JVMs from booting one Derby database ({@code dbex.lck}): a lock with an <i>expiry</i>
 * (the algorithm of sanlock's delta leases and of Chockler and Malkhi's light-weight leases) kept in page 0 of a
 * lock volume on the page servers. The servers offer atomic page reads and writes and an atomic
 * compare-and-write of one page ({@link PagerClient#compareAndWrite}, what VMFS builds its locks on with SCSI's
 * ATS), but no clock, so the lock is built from those and from each JVM's own monotonic clock
 * ({@link System#nanoTime()}); no two hosts' clocks are ever compared. The page holds a {@link LockRecord}:
 * owner id, host and pid, a counter, HELD or RELEASED. Claims and releases are compare-and-writes, so taking
 * a free lock costs one read and one compare-and-write, with no settle delay; renewals are plain writes.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * DatabaseLock lock = new DatabaseLock(pager, "shop/dbex.lck", LockConfig.defaults(),
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
 * Timing ({@link LockConfig}): expiry L (how long the lock stays valid without a renewal), renewal interval R,
 * io timeout T (half the configured settle delay, which nothing waits any more), margin M.
 * <ol>
 *   <li><b>Observe.</b> Read the page. Free: go to 2 with this read as the <i>basis</i>. Held: re-read it every
 *       R / 2. If it changes to something held, its writer is alive: <b>refused</b>
 *       ({@link #tryAcquire()} returns false, naming the owner). If it changes to free, go to 2 with that read.
 *       If a read submitted at least L + M after the first read completed still returns the same bytes, the
 *       holder is dead: go to 2 with that read.</li>
 *   <li><b>Claim.</b> Compare-and-write HELD(us, counter + 1) over exactly the bytes the basis read returned.
 *       It must complete within T of the submission of the basis read. If it does not, the attempt is
 *       <i>void</i>: the claim may still take effect later (though only over the basis), so we do not trust it
 *       and go back to 1, where our own stale claim is just another record to outwait. Written: we hold the
 *       lock at once, valid until <i>claim submission</i> + L. Not written (the page changed since the basis
 *       read; the answer carries what it holds now): a free record, go back to 1; anything else, someone else
 *       won: <b>refused</b>.</li>
 *   <li>(Step 3, settle and verify, is gone: a compare-and-write decides the race it ran, so nothing waits
 *       to see whether another claim overwrote ours.)</li>
 *   <li><b>Hold.</b> Every R a daemon thread reads the page (it must still be our latest record; anything else
 *       means someone wrote over us: <b>fenced</b>) and writes HELD(us, counter + 1), never sent after the
 *       current expiry. A renewal that completes before the current expiry moves the expiry to its own
 *       <i>submission</i> + L; one that fails or does not complete before the expiry <b>suspends</b> the lock.
 *       {@link #isHeld()} is true only before the expiry, and {@link #isWritable()} (may the database be
 *       written) only before the expiry minus M, whatever the renewal thread is doing, so a paused JVM sees its
 *       lock lapse on its own clock.<br>
 *       <b>Suspended</b>, every R / 2 the thread waits until our latest write of the page is resolved (its
 *       future done: completed, failed, or refused at its send deadline), then reads the page. If it holds a
 *       HELD record of ours no older than our latest completed one ("still ours, unchanged"), that read is the
 *       basis of a new claim, step 2 exactly: written, the lock is HELD again (<b>resumed</b>, expiry
 *       = claim submission + L); void, it tries again; not written (another record came), <b>fenced</b>.
 *       Anything else on the page: <b>fenced</b>. Servers still away: it tries again, for as long as it takes.</li>
 *   <li><b>Release.</b> Stop renewing (and wait for a renewal in flight); from here {@link #isHeld()} is
 *       false. If the lock is HELD with more than T left, compare-and-write RELEASED(us, counter + 1) over our
 *       latest HELD record, never sent after T, and wait up to T for it (not written: someone wrote over us;
 *       nothing to release). Suspended or fenced: nothing is written, and a suspended lock is fenced by
 *       its release ({@link #isFenced()} stays true): it gave the lock up not knowing whether it was its own.</li>
 * </ol>
 * States of one {@code DatabaseLock}:
 * <pre>
 *                  refused
 *         ┌───────────────────────┐
 *         ▼                       │            renewal failed or late
 *       IDLE ──tryAcquire──► ACQUIRING ──hold──► HELD ───────suspend──────► SUSPENDED
 *                                                │  ▲                          │  │
 *                                                │  └──────── resumed ─────────┘  │ page not ours, or
 *                               page not ours:   │           (claim written)      │ claim not written: fence
 *                               fence            ▼                                ▼
 *                                              FENCED ◄───────────────────────────┘
 *
 *   HELD or SUSPENDED ──release──► RELEASING ──► RELEASED        FENCED ──release──► RELEASED
 *   IDLE, RELEASED or FENCED ──tryAcquire──► ACQUIRING (same owner id, larger counter)
 * </pre>
 * What holds in each: HELD: the lock is ours until the expiry, writable until expiry − M. SUSPENDED: not
 * known to be ours; nothing of the database is sent; the renewal thread resolves it. FENCED: another JVM
 * may hold it; nothing is ever written again. RELEASING, RELEASED, IDLE: not held, nothing of the database
 * is sent by a {@link WriteFence} on this lock.
 * Transitions and the method behind each: {@code hold} (ACQUIRING → HELD, from {@code LockAcquisition}),
 * {@code suspend}, {@code resumed} and {@code fence} (from {@code LockRenewal}), {@link #release()}.
 *
 * <h3>Who writes the page, and when</h3>
 * Only these writes ever happen: (a) an acquirer's claim, after a complete observation, or a suspended
 * holder's, after reading its own record: a compare-and-write over the bytes that read returned; (b) a
 * holder's renewals, plain writes, each submitted before its current expiry; (c) a holder's RELEASED,
 * submitted with more than T left before its expiry: a compare-and-write over its latest HELD record. Each
 * carries a <i>send deadline</i> ({@link PagerClient#write(Volume, long, java.nio.ByteBuffer, long)}): the
 * pager never sends it, nor sends it again after a failover, at or after: a claim's is its basis read's
 * submission + T, a renewal's the expiry it renews, a RELEASED's its submission + T. Nothing is written after
 * a lock was fenced. Every JVM that may open the database runs this algorithm: a claim written plainly (by
 * the older version that verified after a settle delay) could overwrite a compare-and-write claim unseen. The volume itself is never deleted or truncated by this class, and must not be by anyone while the database may be open (zeros read as free).
 * Every record written is distinct from every other (a random owner id per lock object, a counter that grows
 * with each of its writes), so "unchanged" is decided by comparing bytes and no record can come back (no ABA)
 * except through a write taking effect twice, which (D) bounds; the zeros of a new volume never come back.
 *
 * <h2>Assumptions</h2>
 * <ul>
 *   <li><b>(M) Atomic pages, writes inside their interval.</b> A page write takes effect atomically at one or
 *       more instants between its submission and its completion (more than one only when the pager reissued
 *       it after a failover); a read returns the page as of one instant between its submission and its
 *       completion. A compare-and-write takes effect atomically at one such instant: it compares the page as of
 *       that instant and writes only if equal, and no other write of the page falls between (the page server
 *       runs it under the volume's lock, which every write of the volume takes); each execution of a reissued
 *       one compares anew, and the pager reports "written" for a reissue that finds the page already holding
 *       its own new record. This is what {@link PagerClient} and the servers' fencing guarantee: a server writes only
 *       while it holds the storage reservation, and the reservation moves only after its holder drained or
 *       was killed. A write whose completion we stopped waiting for may still take effect later; every such
 *       write is a HELD record (a void claim or a late renewal), see below. Outside the model: a frozen page
 *       server that was never fenced resuming and executing an old request; anyone deleting the volume.</li>
 *   <li><b>(C) Clock rates.</b> The JVMs' monotonic clocks run at the same rate, to far better than M / L
 *       (20 %). Their values are never compared.</li>
 *   <li><b>(D) Reissues are quick.</b> When one write takes effect more than once, its first and last effects
 *       are less than M apart (a reissue happens within one failover: the pager's lease plus the servers'
 *       fence timeout, 1.5 s with the defaults, against M = 2 s for L = 10 s).</li>
 *   <li><b>(S) Sent requests take effect quickly.</b> A request takes effect less than Δ after the last time the
 *       pager sent it, or never; Δ is the pager's failover stall (its lease plus the servers' fence timeout).
 *       A live server executes what it received at once; a dead one executes nothing more; a frozen one is
 *       fenced before the other server serves (the storage reservation); and a client that froze between
 *       deciding to send and sending for longer than its session lease finds its session closed. With (D),
 *       this is why M must exceed Δ (the constructor warns otherwise).</li>
 *   <li>(R), that a RELEASED completes within T, is no longer needed for safety: a RELEASED lands only on its
 *       writer's own latest record. {@link #release()} still bounds its wait by T and logs a WARN beyond it.</li>
 * </ul>
 *
 * <h2>Why two JVMs never hold it at once</h2>
 * A {@code DatabaseLock} <i>holds</i> from the completion of its claim until its expiry, its loss, or the start
 * of its release, whichever comes first.
 * <ol>
 *   <li><b>A holder leaves a trace within every interval of length L.</b> If P holds at instant t, P's latest
 *       completed write (claim or renewal) was submitted after t − L and completed before t, so (M) it took
 *       effect in (t − L, t].</li>
 *   <li><b>An outwaited record belongs to nobody who holds.</b> Say Q read bytes X at instant p1 (its read
 *       completed at r1) and again at instant pf, in a read submitted at r2 &ge; r1 + L + M. Suppose P holds at
 *       pf. By 1 a write w of P took effect at some ℓ in (pf − L, pf], so after p1 + M (using (C)). If w wrote X,
 *       then X, which only w writes, was already there at p1 &lt; ℓ − M, before w was submitted: impossible.
 *       Otherwise the page changed at ℓ and was X again at pf, so the one write of X took effect both before p1
 *       and after ℓ &gt; p1 + M, against (D). So nobody holds at pf, and Q's claim (step 2) cannot overlap a
 *       holder that was alive when Q decided; holders that appear later are handled by 3 and 4.</li>
 *   <li><b>A claim writes only over an unchanged page.</b> A claim of Q's based on a read of bytes X writes
 *       only if the page holds X at the instant it takes effect, and then X was on the page without a break
 *       since that read. A break would need X to come back: the zeros never do; a RELEASED is a
 *       compare-and-write over its writer's latest HELD record, and once anything else is on the page a repeat
 *       of it writes nothing (its writer's HELD record cannot come back: it writes RELEASED only after its
 *       renewals completed, and a completed write has no later effect); a HELD record comes back only by a
 *       second effect of its write, less than M after the first (D), while an acquirer basing a claim on
 *       another's HELD record watched it unchanged for L + M first and a resuming holder resolved its own writes
 *       before its basis read.</li>
 *   <li><b>Two claims: the later one saw the earlier one end.</b> Let A's and B's claims write at a* &lt; b*.
 *       By 3, B's basis was on the page from B's basis read to b*; A's record went on the page at a*, so
 *       B's basis read came after a* and saw A's record or a later write: A's claim or renewal, held → B had
 *       outwaited it, and by 2 A did not hold when B decided; A's RELEASED → A had stopped holding; another
 *       owner's record → the same reasoning for that owner, one claim later. Either way A's hold ended before
 *       b*, and B's hold begins only when its claim completes, after b*. This replaces the settle delay of the
 *       version that wrote claims plainly (sanlock's), where a later claim could overwrite an earlier one
 *       unseen unless both waited 2T and read back.</li>
 *   <li><b>Late writes only delay others.</b> A void claim or a renewal that completed late (its writer no longer
 *       holds) can take effect later, though by (S) less than Δ after its send deadline; a void claim only over
 *       its basis (3), when nobody else has claimed since. It is a HELD record: an acquirer that sees it change
 *       refuses (a liveness cost: retry), one that sees it unchanged for L + M may take over (correct by 2), a
 *       claim based on an older read miscompares, and a holder whose page it overwrote notices at its next renewal and gives
 *       the lock up (safe: a spurious loss, reported). It is never read as free.</li>
 *   <li><b>Releases.</b> A RELEASED record makes the next acquirer skip step 1's wait. It is written only over
 *       its writer's latest HELD record, so it frees the page only while nobody else's record is on it; an
 *       effect of it that comes late (a reissue after a failover) finds the successor's record and writes
 *       nothing. So no RELEASED can turn the page back to free under a new holder, however long it takes.</li>
 *   <li><b>Resuming is a claim.</b> A suspended holder P resumes only by step 2 on a basis read r that
 *       showed its own record, taken after every earlier write of P's page was resolved, and its claim is a
 *       compare-and-write over that read. Every such write had
 *       a send deadline no later than P's expiry E at the lapse, so by (S) it took effect before E + Δ, or
 *       never; and an acquirer Q that outwaited P's record claims only after E + M &gt; E + Δ (by 2, P did
 *       not hold when Q decided). So if r shows P's record, no claim of anyone else took effect before r (the
 *       page would show it, or a later record that is not P's: P writes nothing between its resolved writes
 *       and r). From there P's claim and any other are two claims, and 3 and 4 apply: at most one of them
 *       holds. A late write of P's can no longer land on a successor's record and make P's read look
 *       unchanged, which is why resuming needs the send deadlines, not only the comparison of bytes.</li>
 * </ol>
 * The argument is a proof sketch, not a checked proof. Step 2's bound T on a claim is kept from sanlock's
 * algorithm, though 3 and 4 no longer need it: it bounds, with (S), when a void claim can still land, which is
 * what lets a resuming holder (7) read a page no write of its own can change any more.
 *
 * <h2>What a lapse and a loss mean for Derby</h2>
 * The page servers do not check the lock, so the JVM stops itself: a {@link WriteFence} per database lets
 * a change of the database's files out of the pager only while {@link #isWritable()}, and a suspended
 * lock's writes wait for it. A stall shorter than about L − R − M (a page-server failover, typically 1–2 s)
 * does not even stop writes. A longer one suspends the lock; if the servers answer and the record is still
 * ours, the lock resumes and Derby only waited. If another JVM took the lock over, the lock is
 * <b>fenced</b>: it logs an ERROR, counts {@code hapager.derby.lock.lost}, calls the {@link LossListener}
 * once, and every further write of the database fails with {@link DatabaseFencedException}, so Derby stops
 * it. Why no write of a fenced JVM can land after the new holder's first write is argued, with numbered
 * invariants, in the package documentation ({@code package-info.java}).
 *
 * <h2>Threads</h2>
 * {@link #tryAcquire()} and {@link #release()} may be called from any thread, not concurrently with each other;
 * {@link #isHeld()}, {@link #isWritable()} and {@link #isFenced()} from any thread at any time (the pager's I/O
 * thread asks {@link #isWritable()} before each send of a guarded write: it reads two volatiles and the clock).
 * Renewals, suspension, resumption and fencing run on one daemon thread per held lock; the phase is guarded by
 * {@code lock}, whose monitor {@link #awaitWritable} waits on and every transition notifies. Every wait has a
 * deadline, but the renewal thread's while suspended, which ends with a resumption, a fence or the release; an
 * interrupt of a caller gives up the operation (the lock is not acquired, or RELEASED is not written) and leaves
 * the thread's interrupt flag set.
 *
 * <h2>The code</h2>
 * This javadoc is the one statement of the algorithm and its argument; the classes that carry it out refer
 * here. This class keeps the lock's state (the states above, the expiry, the latest record and counter, the
 * write in doubt), the public API, the hand-over to HELD, suspension, resumption and fencing (who is told, and
 * how), the writers' wait ({@link #awaitWritable}) and step 5. {@code LockAcquisition} runs steps 1 and 2 for
 * {@link #tryAcquire()} and a resuming holder, reading the time and waiting on a {@code LockClock} (the
 * system's, or a test's); {@code LockRenewal} is step 4's renewal thread; {@code LockPage} reads and writes
 * the page with deadlines and says whether a record is free and whose it is; {@link WriteFence} applies
 * {@link #isWritable()} to a database's writes.
 */
public final class DatabaseLock implements AutoCloseable {

    /** Told once when a held lock is lost (not when it is released). Runs on the renewal thread: keep it short. */
    @FunctionalInterface
    public interface LossListener {
        void lockLost(DatabaseLock lock, String reason);
    }

    private enum Phase { IDLE, ACQUIRING, HELD, SUSPENDED, RELEASING, FENCED, RELEASED }

    /** What {@link #awaitWritable} found. */
    public enum Standing {
        /** The lock is HELD with more than the margin left: a write may be issued now. */
        WRITABLE,
        /** Still SUSPENDED (or HELD too close to its expiry) at the deadline: not known to be ours. */
        LAPSED,
        /** FENCED: the lock was taken over (or could not be kept); nothing of the database may be written again. */
        FENCED,
        /** Not held at all: never acquired, or released. */
        NOT_HELD
    }

    private static final Logger log = LoggerFactory.getLogger(DatabaseLock.class);
    private static final Duration FENCE_TIMEOUT = Duration.ofMillis(500);

    private final Volume volume;
    private final LockPage page;
    private final LockConfig config;
    /** {@link LockConfig#margin()} in nanoseconds: {@link #isWritable()} runs before every write of the database. */
    private final long marginNanos;
    private final LossListener listener;
    private final UUID ownerId = UUID.randomUUID();
    private final String description;
    private final Counter losses;
    private final Counter suspensions;
    private final LockAcquisition acquisition;
    private final LockRenewal renewal;

    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private Phase phase = Phase.IDLE;
    private Thread renewer;
    private CountDownLatch stopRenewing;

    /** The counter of our latest write of any kind: the next one is larger. */
    private volatile long counter;
    /** Our latest completed HELD record: what the page should hold while we hold. */
    private volatile LockRecord current;
    /** The lock is ours while {@code valid} and before this instant (System.nanoTime). */
    private volatile long expiryNanos;
    private volatile boolean valid;
    private volatile String refusal = "";
    private volatile String lossReason;
    /** Who took the lock over (a FENCED lock), for messages; null if unknown or not fenced. */
    private volatile String takenOverBy;
    /** Set when the lock is fenced; stays set after its release, until it acquires again (sticky, see isFenced). */
    private volatile boolean fenced;
    /** Why the lock is SUSPENDED, and since when (System.nanoTime). */
    private volatile String suspendReason;
    private volatile long suspendedAt;
    /** The page as read before the claim by which {@link #tryAcquire()} last took the lock (read-only), or null. */
    private volatile ByteBuffer acquiredOver;
    /** The RELEASED record the latest {@link #release()} wrote (read-only), or null if it wrote none. */
    private volatile ByteBuffer released;
    /** Our latest write of the page not known to be complete (a late renewal, a void claim), or null: see step 4. */
    private volatile CompletableFuture<?> inDoubt;

    /**
     * A lock on page 0 of volume {@code volumeName}, with meters in the pager's registry.
     *
     * @param listener told when a held lock is lost; may be null
     */
    public DatabaseLock(PagerClient pager, String volumeName, LockConfig config, LossListener listener) {
        this(pager, volumeName, config, pager.config().meterRegistry(), listener);
    }

    /**
     * A lock on page 0 of volume {@code volumeName}.
     *
     * @param listener told when a held lock is lost; may be null
     */
    public DatabaseLock(PagerClient pager, String volumeName, LockConfig config, MeterRegistry registry,
                        LossListener listener) {
        this(pager, volumeName, config, registry, listener, LockClock.SYSTEM);
    }

    /**
     * A lock on page 0 of volume {@code volumeName} whose acquisitions read {@code clock} and wait on it (tests
     * see an acquirer start outwaiting a record).
     *
     * @param listener told when a held lock is lost; may be null
     */
    DatabaseLock(PagerClient pager, String volumeName, LockConfig config, MeterRegistry registry, LossListener listener,
                 LockClock clock) {
        Objects.requireNonNull(pager, "pager");
        this.volume = Volume.of(volumeName, LockRecord.PAGE_SIZE);
        this.page = new LockPage(pager, volume);
        this.config = Objects.requireNonNull(config, "config");
        this.marginNanos = config.margin().toNanos();
        this.listener = listener != null ? listener : (l, why) -> { };
        this.description = "host " + Host.NAME + " pid " + ProcessHandle.current().pid();
        Counter renewals = Counter.builder("hapager.derby.lock.renewals").tag("lock", volumeName)
                .description("renewals of the database lock written in time").register(registry);
        this.losses = Counter.builder("hapager.derby.lock.lost").tag("lock", volumeName)
                .description("database locks lost while held: taken over (the page overwritten) or given up; the holder is fenced")
                .register(registry);
        this.suspensions = Counter.builder("hapager.derby.lock.suspended").tag("lock", volumeName)
                .description("renewals of the database lock that failed or came late: writes stop until it resumes or is fenced")
                .register(registry);
        this.acquisition = new LockAcquisition(this, page, config, clock);
        this.renewal = new LockRenewal(this, page, config, acquisition, renewals);
        Duration stall = pager.config().lease().plus(FENCE_TIMEOUT);
        if (config.margin().compareTo(stall) <= 0) {
            log.warn("lock {}: margin {} (expiry / 5) is not longer than the pager's failover stall (its lease {} + fence timeout {}): "
                    + "a write reissued after a failover could make a live holder look dead, and a lapsed holder's last lock write "
                    + "could land after a new holder's claim (assumption (S)); use a lock expiry above {}",
                    volume.name(), config.margin(), pager.config().lease(), FENCE_TIMEOUT, stall.multipliedBy(5));
        }
    }

    // ------------------------------------------------------------------ acquire

    /**
     * Tries to take the lock: observes the page (up to {@code expiry + margin} if another JVM's record is on it)
     * and claims it by a compare-and-write over what it read: a free lock is taken with one read and one
     * compare-and-write. Returns at once with true if this {@code DatabaseLock} already holds it.
     *
     * @return true if this {@code DatabaseLock} now holds the lock; false if another live JVM holds it, another
     *         acquirer won the race, or the caller was interrupted (its interrupt flag is then set): {@link
     *         #refusal()} says which and names the other owner
     * @throws IOException if the page servers fail a request, or no decision was reached within
     *                     {@link LockConfig#acquireTimeout()}
     * @throws LockRecord.UnsupportedFormatException if the page holds a record of a newer format
     */
    public boolean tryAcquire() throws IOException {
        synchronized (lock) {
            switch (phase) {
                case HELD -> {
                    if (isHeld()) {
                        return true;
                    }
                    throw new IllegalStateException("lock " + volume.name() + " has expired and is being suspended; release it first");
                }
                case SUSPENDED -> throw new IllegalStateException("lock " + volume.name() + " is suspended (" + suspendReason
                        + "): it resumes or is fenced when the page servers answer; release it first");
                case ACQUIRING, RELEASING -> throw new IllegalStateException("lock " + volume.name() + " is " + phase + " in another thread");
                default -> phase = Phase.ACQUIRING;
            }
            refusal = "";
        }
        boolean acquired = false;
        try {
            acquired = acquisition.acquire();
            return acquired;
        } finally {
            if (!acquired) {
                synchronized (lock) {
                    phase = Phase.IDLE;
                }
            }
        }
    }

    /** Step 2 to 4: a claim that wrote makes this lock HELD until {@code expiry} and starts the renewal thread. */
    void hold(LockRecord mine, long expiry, long firstRenewal, ByteBuffer basis) {
        CountDownLatch stop = new CountDownLatch(1);
        Thread t = new Thread(() -> renewal.renewLoop(stop, firstRenewal), "hapager-lock-renewal " + volume.name());
        t.setDaemon(true);
        synchronized (lock) {
            current = mine;
            expiryNanos = expiry;
            acquiredOver = basis.asReadOnlyBuffer();
            released = null;
            lossReason = null;
            refusal = "";
            valid = true;
            renewer = t;
            stopRenewing = stop;
            inDoubt = null;
            takenOverBy = null;
            fenced = false;
            phase = Phase.HELD;
            lock.notifyAll();
        }
        t.start();
    }

    // ------------------------------------------------------------------ suspend, resume, fence

    /**
     * HELD → SUSPENDED, told by the renewal thread: a renewal failed or came late, so the lock is not known
     * to be ours any more (writes stop: {@link #isWritable()} is false) but may still be. {@code write} is the
     * renewal whose completion we stopped waiting for, or null.
     */
    void suspend(String reason, CompletableFuture<?> write) {
        synchronized (lock) {
            if (phase != Phase.HELD) {
                return;
            }
            phase = Phase.SUSPENDED;
            valid = false;
            suspendReason = reason;
            suspendedAt = System.nanoTime();
            inDoubt = write;
            lock.notifyAll();
        }
        suspensions.increment();
        log.warn("database lock {} SUSPENDED: {}. Writes of the database wait until the page servers answer: if the lock "
                + "record is still ours it is claimed again and writes go on, if another JVM took it this one is fenced.",
                volume.name(), reason);
    }

    /**
     * SUSPENDED → HELD, told by the renewal thread after it claimed the lock again on a read that still showed
     * our record, and that claim wrote: ours until {@code expiry}. False if the lock was released meanwhile.
     */
    boolean resumed(LockRecord mine, long expiry) {
        long suspendedNanos;
        synchronized (lock) {
            if (phase != Phase.SUSPENDED) {
                return false;
            }
            current = mine;
            expiryNanos = expiry;
            inDoubt = null;
            valid = true;
            phase = Phase.HELD;
            suspendedNanos = System.nanoTime() - suspendedAt;
            lock.notifyAll();
        }
        log.warn("database lock {} RESUMED after {} ms suspended: the page still held our record; claimed again (counter {})",
                volume.name(), TimeUnit.NANOSECONDS.toMillis(suspendedNanos), mine.counter());
        return true;
    }

    /**
     * HELD or SUSPENDED → FENCED (while RELEASING: only recorded), told by the renewal thread: the page holds
     * {@code holder}'s record instead of ours, or (holder null) the lock cannot be kept. Final: nothing of the
     * database is written again by this lock's holder. The listener is told once.
     */
    void fence(Content holder, String reason) {
        boolean releasing;
        synchronized (lock) {
            if (phase != Phase.HELD && phase != Phase.SUSPENDED && phase != Phase.RELEASING) {
                return;
            }
            valid = false;
            lossReason = reason;
            takenOverBy = holder == null || holder instanceof LockRecord.Blank ? null : LockPage.describe(holder);
            releasing = phase == Phase.RELEASING;
            if (!releasing) {
                phase = Phase.FENCED;
                fenced = true;
            }
            lock.notifyAll();
        }
        losses.increment();
        if (releasing) {
            log.warn("lock {}: lost while being released: {}", volume.name(), reason);
            return;
        }
        log.error("DATABASE LOCK LOST: lock {} held by {} (owner {}): {}. This JVM is FENCED: every further write of the "
                + "database fails, so Derby stops it.", volume.name(), description, ownerId, reason);
        try {
            listener.lockLost(this, reason);
        } catch (RuntimeException e) {
            log.error("lock {}: the loss listener failed", volume.name(), e);
        }
    }

    /**
     * Waits until a write of the database may be issued ({@link #isWritable()}), the lock is fenced or not
     * held, or {@code deadlineNanos} (System.nanoTime) passes while it is suspended; says which.
     */
    public Standing awaitWritable(long deadlineNanos) throws InterruptedException {
        synchronized (lock) {
            while (true) {
                if (fenced) {
                    return Standing.FENCED;
                }
                switch (phase) {
                    case HELD, SUSPENDED -> {
                        if (phase == Phase.HELD && isWritable()) {
                            return Standing.WRITABLE;
                        }
                    }
                    default -> {
                        return Standing.NOT_HELD;
                    }
                }
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return Standing.LAPSED;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left); // woken by renewed, suspend, resumed, fence, release
            }
        }
    }

    // ------------------------------------------------------------------ release

    /**
     * Step 5: stops renewing and, if the lock is still held with more than {@link LockConfig#ioTimeout()}
     * left, writes RELEASED so that the next JVM need not outwait the expiry. Idempotent; does nothing if the
     * lock is not held (never acquired, released, or lost). Bounded: waits at most for a renewal in flight (up
     * to the lock's expiry) and {@code ioTimeout} for the RELEASED write. Failures are logged, not thrown: an
     * unreleased lock frees itself after {@code expiry + margin}.
     */
    public void release() {
        Thread thread;
        CountDownLatch stop;
        boolean wasHeld;
        synchronized (lock) {
            if (phase == Phase.FENCED) {
                phase = Phase.RELEASED;
                lock.notifyAll();
                return;
            }
            if (phase != Phase.HELD && phase != Phase.SUSPENDED) {
                return;
            }
            wasHeld = phase == Phase.HELD;
            if (!wasHeld) {
                // given up without knowing whether it was still ours: what this JVM did not write yet must never be
                fenced = true;
                lossReason = "released while suspended (" + suspendReason + ")";
            }
            phase = Phase.RELEASING;
            valid = false;
            thread = renewer;
            stop = stopRenewing;
            lock.notifyAll();
        }
        boolean interrupted = false;
        try {
            stop.countDown();
            long waitNanos = Math.max(0, expiryNanos - System.nanoTime()) + config.ioTimeout().toNanos();
            TimeUnit.NANOSECONDS.timedJoin(thread, waitNanos);
            if (!wasHeld) {
                log.info("lock {}: released while suspended ({}); not writing RELEASED: the lock frees itself after {}",
                        volume.name(), suspendReason, config.deadAfter());
                return;
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
                log.warn("lock {}: only {} ms left before the lock expires, not enough to release it safely; it frees itself after {}",
                        volume.name(), TimeUnit.NANOSECONDS.toMillis(left), config.deadAfter());
                return;
            }
            LockRecord released = current.next(State.RELEASED);
            counter = released.counter();
            // over our own latest record only, and never sent after submitted + ioTimeout (< the expiry): a RELEASED
            // can never land on another's record and free the page under a new holder, however late or often it lands
            CompletableFuture<CompareAndWriteResult> write = page.compareAndWrite(current.encode(LockRecord.PAGE_SIZE),
                    released.encode(LockRecord.PAGE_SIZE), submitted + config.ioTimeout().toNanos());
            try {
                CompareAndWriteResult result = page.await(write, submitted + config.ioTimeout().toNanos(), "write RELEASED");
                if (result.written()) {
                    this.released = released.encode(LockRecord.PAGE_SIZE).asReadOnlyBuffer();
                    log.info("lock {}: released by {} (owner {}, counter {})", volume.name(), description, ownerId, released.counter());
                } else {
                    log.warn("lock {}: not released: the page no longer held our record {} but {}; nothing was written",
                            volume.name(), current, LockPage.describe(LockPage.content(result.current())));
                }
            } catch (TimeoutException e) {
                log.warn("lock {}: RELEASED was not durable within ioTimeout {}; it takes effect only over our own record, or "
                        + "never; else the lock frees itself after {}", volume.name(), config.ioTimeout(), config.deadAfter());
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

    /** Whether it holds the lock now: acquired, not released or lost, and before its expiry. */
    public boolean isHeld() {
        return valid && System.nanoTime() - expiryNanos < 0;
    }

    /** Why the latest {@link #tryAcquire()} returned false (naming the owner), or "" if it did not. */
    public String refusal() {
        return refusal;
    }

    /**
     * Whether a write of the database may be issued now: HELD, and more than the margin before the expiry
     * (invariant 3). False while suspended, after a fence or a release.
     */
    public boolean isWritable() {
        return valid && System.nanoTime() - (expiryNanos - marginNanos) < 0;
    }

    /**
     * Whether this {@code DatabaseLock} was fenced (the lock taken over, or given up for good, while held) and has
     * not acquired it again since. Sticky: still true after {@link #release()}, since the fence must outlive
     * Derby's shutdown of the database.
     */
    public boolean isFenced() {
        return fenced;
    }

    /** Whether a renewal failed or came late and the lock has not resumed nor been fenced since. */
    public boolean isSuspended() {
        synchronized (lock) {
            return phase == Phase.SUSPENDED;
        }
    }

    /**
     * Whether a write refused now may be allowed later by this lock: it is HELD (perhaps past the margin or
     * the expiry, not yet suspended by the renewal thread), SUSPENDED or ACQUIRING. False once it is fenced or
     * released: then nothing refused now is ever written.
     */
    public boolean mayResume() {
        synchronized (lock) {
            return phase == Phase.HELD || phase == Phase.SUSPENDED || phase == Phase.ACQUIRING;
        }
    }

    /** Why the lock was lost (fenced), or null if it was not lost since it was last acquired. */
    public String lossReason() {
        return lossReason;
    }

    /** The record that took the lock over from a fenced lock (as messages name it), or null if unknown. */
    public String takenOverBy() {
        return takenOverBy;
    }

    /** Why the lock is (or was last) suspended, or null. */
    public String suspendReason() {
        return suspendReason;
    }

    /** This lock object's owner id, written in every record. */
    public UUID ownerId() {
        return ownerId;
    }

    /**
     * The lock page as it was read before the claim by which {@link #tryAcquire()} last took the lock: blank,
     * a RELEASED record, or an outwaited one. Null if it never took the lock. Read-only.
     */
    public ByteBuffer acquiredOver() {
        return acquiredOver;
    }

    /** The RELEASED record the latest {@link #release()} wrote, or null if it wrote none. Read-only. */
    public ByteBuffer released() {
        return released;
    }

    /** Host and pid, as written in the records. */
    public String description() {
        return description;
    }

    public String volumeName() {
        return volume.name();
    }

    public LockConfig config() {
        return config;
    }

    @Override
    public String toString() {
        return "DatabaseLock[" + volume.name() + ", " + description + ", owner " + ownerId + ", " + (isHeld() ? "held" : "not held") + "]";
    }

    // ------------------------------------------------------------------ shared with the steps' classes

    /** Records a refusal of {@link #tryAcquire()} (steps 1 and 2). */
    void refuse(String why) {
        refusal = why;
        log.info("{}", why);
    }

    /** The counter of our latest write of any kind: the next one is larger. */
    long counter() {
        return counter;
    }

    /** Notes the counter of a write about to be submitted. */
    void counter(long counter) {
        this.counter = counter;
    }

    /** Our latest completed HELD record. */
    LockRecord current() {
        return current;
    }

    /** The expiry of the hold (System.nanoTime). */
    long expiryNanos() {
        return expiryNanos;
    }

    /** A renewal completed in time: {@code next} is our latest record, and the hold lasts until {@code expiry}. */
    void renewed(LockRecord next, long expiry) {
        synchronized (lock) {
            current = next;
            expiryNanos = expiry;
            lock.notifyAll(); // a writer waiting near the old expiry may go on
        }
    }

    /** Whether the page's content is a HELD record of ours not older than our latest: "still ours, unchanged". */
    boolean isOurs(Content c) {
        return c instanceof LockRecord.Valid v && v.record().owner().equals(ownerId) && v.record().state() == State.HELD
                && v.record().counter() >= current.counter();
    }

    /** Our latest write of the page not known to be complete, or null. */
    CompletableFuture<?> inDoubt() {
        return inDoubt;
    }

    /** Notes a claim of a suspended lock that was not durable in time: it may still be sent, until its deadline. */
    void inDoubt(CompletableFuture<?> write) {
        inDoubt = write;
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
