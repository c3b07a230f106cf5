package org.hapager.server.reservation;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.hapager.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The taker's protocol, run once per ACQUIRING phase of a {@link Reservation} on its reservation thread:
 * <ol>
 * <li>{@code tryLock}: free (no holder, or the holder died and the kernel freed its lock) → {@link Outcome#FREE}.</li>
 * <li>Read the holder line (retrying while the holder has the lock but has not written its line yet).</li>
 * <li>If this server's {@link HolderWatch} has not heard from the holder for a whole fence timeout, go to 4 at
 *     once: the holder was given its fence timeout to answer already.</li>
 * <li>Ask the holder to yield ({@link YieldClient}) and wait for {@code YIELDED} until the fence deadline
 *     (start + fence timeout), or only until the holder has been silent to the watch for a fence timeout (it was
 *     heard shortly before it froze or was cut off; then go to 5, as step 3 would have: the watch's rule holds
 *     either way, and a silent cut is noticed a lease after it, not a lease plus a fence timeout); on
 *     {@code YIELDED(true)} retry {@code tryLock} until that same deadline →
 *     {@link Outcome#YIELDED}. A holder that answers {@code YIELDED(false)} is alive and says it does not hold:
 *     it is not fenced; if the lock does not come free by the deadline the acquisition fails.</li>
 * <li>No answer in time, or unreachable while the lock is held: run the {@link FenceCommand} (exit 0 within
 *     the fence timeout required), then retry {@code tryLock} for another fence timeout → {@link Outcome#FENCED}.
 *     If the command fails but the lock is free by then, the holder went away on its own → {@link Outcome#FREE};
 *     if it fails after a fence for silence (step 3), the holder is asked to yield after all, as in step 4.</li>
 * </ol>
 * Anything else is a {@link FailedException} whose message names the holder and the reason. Never a success
 * without this process holding the lock.
 */
final class Acquisition {

    /** How the lock was obtained; the tag is the {@code outcome} of {@code hapager.server.fence}. */
    enum Outcome {
        FREE, YIELDED, FENCED;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The acquisition failed; the message says which holder and why. */
    static final class FailedException extends Exception {
        FailedException(String message) {
            super(message);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(Acquisition.class);
    /** Pause between lock attempts while waiting for a holder to go away. */
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final LockFile lockFile;
    private final Holder self;
    private final YieldClient yieldClient;
    private final HolderWatch watch;
    private final FenceCommand fence;
    private final long fenceTimeoutNanos;

    Acquisition(LockFile lockFile, Holder self, YieldClient yieldClient, HolderWatch watch, FenceCommand fence,
                long fenceTimeoutMillis) {
        this.watch = watch;
        this.lockFile = lockFile;
        this.self = self;
        this.yieldClient = yieldClient;
        this.fence = fence;
        this.fenceTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(fenceTimeoutMillis);
    }

    /** Takes the lock; returns how, or throws. On return this process holds the lock. */
    Outcome run(String reason) throws FailedException, IOException, InterruptedException {
        long deadline = System.nanoTime() + fenceTimeoutNanos;
        if (lockFile.tryLock()) {
            return Outcome.FREE;
        }
        Holder holder = readHolder(deadline);
        if (holder == null) {
            return Outcome.FREE; // the holder went away while we read its line
        }
        String why = silence(holder);
        boolean silentToWatch = why != null;
        if (why == null) {
            try {
                return yieldedBeforeSilence(holder, reason, deadline);
            } catch (SilentToWatch e) {
                why = e.getMessage();
                silentToWatch = true;
            } catch (SocketTimeoutException e) {
                why = "no YIELDED within the fence timeout of " + millis(fenceTimeoutNanos) + " ms";
            } catch (IOException | RuntimeException e) {
                why = "unreachable while it holds the lock (" + e + ")";
            }
        }
        log.warn("{} did not yield the reservation: {}; fencing it with '{}'", holder.describe(), why, fence);
        try {
            fence.run(holder, millis(fenceTimeoutNanos));
        } catch (FenceCommand.FenceFailedException e) {
            if (lockFile.tryLock()) {
                // the holder went away on its own meanwhile (a holder that fenced itself and exited makes `kill`
                // fail with "No such process"): the kernel freed its lock, which is all fencing had to reach
                log.warn("{}, but the reservation's lock came free: {} is gone", e.getMessage(), holder.describe());
                return Outcome.FREE;
            }
            if (silentToWatch) {
                // the watch's word is up to a heartbeat late (a holder frozen, then resumed): ask before refusing
                try {
                    return yielded(holder, reason, System.nanoTime() + fenceTimeoutNanos);
                } catch (IOException | RuntimeException | FailedException notYielded) {
                    why += "; asked to yield after the failed fence: " + notYielded.getMessage();
                }
            }
            throw new FailedException(e.getMessage() + " (" + holder.describe() + " did not yield: " + why + ")");
        }
        if (awaitLock(System.nanoTime() + fenceTimeoutNanos)) {
            return Outcome.FENCED;
        }
        throw new FailedException("fencing " + holder.describe() + " with " + fence.commandFor(holder) + " exited 0, but "
                + lockFile.path() + " was still locked " + millis(fenceTimeoutNanos) + " ms later (" + why + ")");
    }

    /** The holder fell silent to the watch for a fence timeout while it was asked to yield; the message says so. */
    private static final class SilentToWatch extends Exception {
        SilentToWatch(String why) {
            super(why, null, false, false);
        }
    }

    /**
     * Step 4 with the watch still in the loop: asks {@code holder} to yield, but stops waiting for the answer once
     * the holder has been silent to the watch for a whole fence timeout (a holder the watch heard shortly before
     * it was cut off or froze), which step 3 would have fenced at once. The answer's wait otherwise ends at
     * {@code deadline}. A holder the watch hears again meanwhile is asked again, until {@code deadline}.
     */
    private Outcome yieldedBeforeSilence(Holder holder, String reason, long deadline)
            throws FailedException, IOException, SilentToWatch {
        while (true) {
            long silent = watch.silentNanos(holder);
            long answerBy = silent < 0 ? deadline : Math.min(deadline, System.nanoTime() + fenceTimeoutNanos - silent);
            try {
                return yielded(holder, reason, answerBy, deadline);
            } catch (SocketTimeoutException e) {
                if (answerBy >= deadline) {
                    throw e;
                }
                String why = silence(holder);
                if (why != null) {
                    throw new SilentToWatch(why + " (asked to yield, no answer yet)");
                }
            }
        }
    }

    /** Asks {@code holder} to yield and waits for the lock until the deadline (step 4). */
    private Outcome yielded(Holder holder, String reason, long deadline) throws FailedException, IOException {
        return yielded(holder, reason, deadline, deadline);
    }

    /** Asks {@code holder} to yield, waits for its answer until {@code answerBy} and for the lock until {@code deadline}. */
    private Outcome yielded(Holder holder, String reason, long answerBy, long deadline) throws FailedException, IOException {
        Message.Yielded answer = yieldClient.askToYield(holder, reason, answerBy);
        if (answer.released()) {
            if (awaitLock(deadline)) {
                return Outcome.YIELDED;
            }
            throw new FailedException(holder.describe() + " answered YIELDED(released) but " + lockFile.path()
                    + " was still locked " + millis(fenceTimeoutNanos) + " ms after the request");
        }
        if (awaitLock(deadline)) {
            return Outcome.FREE;
        }
        throw new FailedException(holder.describe() + " answered that it does not hold the reservation ("
                + answer.detail() + "), yet " + lockFile.path() + " is still locked; not fencing a server that answers");
    }

    /** Why {@code holder} is fenced without a YIELD (silent to the watch for a fence timeout), or null to ask it. */
    private String silence(Holder holder) {
        long silent = watch.silentNanos(holder);
        return silent < fenceTimeoutNanos ? null : "silent to this server's holder watch for " + millis(silent)
                + " ms, longer than the fence timeout of " + millis(fenceTimeoutNanos) + " ms";
    }

    /**
     * The holder named in the lock file, or null if the lock came free meanwhile. A holder writes its line right
     * after taking the lock, so an empty line, a malformed one, or one naming this server (written by this
     * server before it yielded) means "holder not written yet": read again until the deadline.
     */
    private Holder readHolder(long deadline) throws FailedException, IOException {
        String line;
        String problem;
        do {
            line = lockFile.readLine();
            try {
                Holder holder = Holder.parse(line);
                if (holder.pid() != self.pid()) {
                    return holder;
                }
                problem = "it names this server's own process";
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
            LockSupport.parkNanos(RETRY_NANOS);
            if (lockFile.tryLock()) {
                return null;
            }
        } while (System.nanoTime() - deadline < 0);
        throw new FailedException(lockFile.path() + " is locked by another process, but its holder line '" + line.strip()
                + "' does not name the holder after " + millis(fenceTimeoutNanos) + " ms (" + problem + ")");
    }

    /** Retries {@code tryLock} until it succeeds (true) or the deadline passes (false). */
    private boolean awaitLock(long deadline) throws IOException {
        while (!lockFile.tryLock()) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(RETRY_NANOS);
        }
        return true;
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
