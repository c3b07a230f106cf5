package org.hapager.pager.record;

import io.netty.util.collection.LongObjectHashMap;
import java.util.List;
import org.hapager.pager.PageIoException;
import org.hapager.pager.session.Session;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replay of kept copies of acknowledged buffered writes ({@link UnsyncedWrites}): once a connection that
 * acknowledged a copy may have lost it, every kept copy is written again to the current connection before
 * anything that could overtake it goes. Owned by the {@link RecordTable}, which calls it where it attaches,
 * sends, takes completions, detaches and closes, and gives it what it needs of the records through {@link Table}.
 *
 * <h2>Invariants</h2>
 * Numbered as part of the {@link RecordTable}'s.
 * <ol start="8">
 *   <li>An acknowledged buffered write is kept ({@link UnsyncedWrites}) until a barrier of its volume sent after
 *       its acknowledgement completes OK on the connection that acknowledged it last, or its volume is deleted.
 *       When a connection is attached while copies are kept or buffered writes run on another connection (and
 *       when one that acknowledged a kept copy, or had one being written again, is detached) a replay is wanted:
 *       no record is sent until none is in flight on any connection; then
 *       every kept copy is written again to the current connection ({@code replayOn}; {@code replayQueue} not
 *       null exactly then), in write order, no two that overlap at once, and no record that
 *       {@linkplain UnsyncedWrites#touches touches} a volume with a kept copy is sent until all are answered
 *       (records on other volumes, such as a database lock's renewal, go meanwhile). Replays are in flight only
 *       during a replay, all on {@code replayOn}; replays and records on the current connection together never
 *       exceed its max in flight.</li>
 *   <li>A kept copy is given up only for good: its guard refused it finally (any kind but UNAVAILABLE), or the
 *       server failed to write it. A guard's UNAVAILABLE ("not now") holds the replay at that copy
 *       ({@code replayHeld}), and it resumes when the guard lets the copy go: a later copy of a page is never
 *       dropped after an earlier one was written again. A given-up copy marks its volume lost, and every later
 *       durable write, length change or sync of it fails (see {@link UnsyncedWrites}).</li>
 * </ol>
 *
 * <p>Owner: the pager's I/O thread, like the table. No method here is thread-safe.
 */
final class KeptCopyReplay {

    /** Logs as the table did before the replay was its own class, so that log lines keep their source. */
    private static final Logger log = LoggerFactory.getLogger(RecordTable.class);

    /** What the replay needs of the table that owns it. */
    interface Table {
        /** The next request id: records and replays draw from one sequence, so no two share an id. */
        long newRequestId();

        /** Counts one more send (replays are sends too: see {@link #sends}). */
        void countSend();

        /** Sends so far, replays included: what orders a barrier's send after a buffered write's acknowledgement. */
        long sends();

        /** Whether a record is in flight (sent and not yet answered) on any connection. */
        boolean recordInFlight();

        /** Whether a buffered write is in flight on a connection other than the current one. */
        boolean bufferedWriteRunningElsewhere();

        /** Sends what is free to go (the replay's copies first), as {@link RecordTable#sendReady} does. */
        void sendReady();
    }

    private final UnsyncedWrites unsynced;
    private final Table table;

    /**
     * A connection that acknowledged a kept copy went away: every copy is to be written again once no request is
     * in flight anywhere (invariant 8).
     */
    private boolean replayWanted;
    /**
     * While kept copies are being written again (see {@link UnsyncedWrites}): those not yet sent, from
     * {@code replayNext} on; null when no replay is under way. Nothing else is sent meanwhile.
     */
    private List<UnsyncedWrites.Kept> replayQueue;
    private int replayNext;
    /** The connection the replay under way writes to; null when none is under way. */
    private Session replayOn;
    /** Why the replay under way waits at its next copy (its guard said "not now"); null when it does not wait. */
    private String replayHeld;
    /** Replays sent to {@code replayOn} and not yet answered, by request id. */
    private final LongObjectHashMap<UnsyncedWrites.Kept> replaying = new LongObjectHashMap<>();

    /** Replays the copies {@code unsynced} keeps (the table's); {@code table} is what it needs of the records. */
    KeptCopyReplay(UnsyncedWrites unsynced, Table table) {
        this.unsynced = unsynced;
        this.table = table;
    }

    /** Replays sent and not yet answered. */
    int inFlight() {
        return replaying.size();
    }

    /** Whether the replay under way waits at a copy its guard refused for now (invariant 9). */
    boolean isHeld() {
        return replayHeld != null;
    }

    /** Whether {@code r} waits for the replay under way: it touches a volume with a kept copy (invariant 8). */
    boolean waitsFor(CallbackRecord r) {
        return replayQueue != null && unsynced.touches(r.op);
    }

    /** A connection was attached and is now the current one (see {@link RecordTable#attach}). */
    void attached() {
        // With copies kept, or buffered writes still running on another connection (a draining predecessor),
        // nothing goes to the new one before every request elsewhere has finished and every kept copy is written
        // again here: so all copies are acknowledged by the connection a later barrier runs on, and none can land
        // after a newer write of its pages. Without them, requests move to the new connection at once.
        if (!unsynced.isEmpty() || table.bufferedWriteRunningElsewhere()) {
            replayWanted = true;
        }
    }

    /**
     * Before records are sent to {@code current}: starts a wanted replay (see {@link #startReplay}). Returns
     * false while a wanted replay waits for requests still in flight somewhere, and nothing may be sent yet.
     */
    boolean startIfWanted(Session current) {
        return !replayWanted || startReplay(current);
    }

    /**
     * A replay is wanted: starts it once no record and no replay is in flight on any connection (a draining
     * predecessor finishes first), and returns whether it started (or there was nothing to write again).
     */
    private boolean startReplay(Session current) {
        if (!replaying.isEmpty()) {
            return false;
        }
        if (table.recordInFlight()) {
            return false;
        }
        replayWanted = false;
        replayQueue = null;
        replayOn = null;
        replayHeld = null;
        if (!unsynced.isEmpty()) {
            replayOn = current;
            replayQueue = unsynced.replayOrder();
            replayNext = 0;
            log.info("writing {} acknowledged buffered write(s) ({} bytes) not yet made durable again to {}",
                    replayQueue.size(), unsynced.bytes(), current);
        }
        return true;
    }

    /**
     * Sends what it can of the replay under way to {@code current}, which has {@code sentToCurrent} records in
     * flight (see {@link #sendReplays}). Returns whether a replay is still under way: records that
     * {@linkplain #waitsFor wait for it} are not sent meanwhile.
     */
    boolean sendCopies(Session current, int sentToCurrent) {
        return replayQueue != null && !sendReplays(current, sentToCurrent);
    }

    /**
     * Sends kept copies to the current connection while it has room, in write order, never two that overlap at
     * once (so a page's copies land in the order they were written). Returns true when the replay is over.
     */
    private boolean sendReplays(Session current, int sentToCurrent) {
        if (current != replayOn) {
            return false; // a new replay is wanted (attach), after this one's answers
        }
        int room = current.parameters().maxInflight() - replaying.size() - sentToCurrent;
        int sent = 0;
        while (replayNext < replayQueue.size() && sent < room) {
            UnsyncedWrites.Kept k = replayQueue.get(replayNext);
            if (!unsynced.contains(k)) {
                replayNext++;
                continue;
            }
            PageIoException refused = k.origin.sendCheck == null ? null : k.origin.sendCheck.refusal(k.origin);
            if (refused != null && refused.kind() == PageIoException.Kind.UNAVAILABLE) {
                hold(current, k, refused); // not now (a database's lease renewal is late): later, and before anything after it
                break;
            }
            if (refused != null) { // for good (a database whose lock was taken over sends nothing more)
                lost(k, "its send guard refused to write it again: " + refused.getMessage());
                replayNext++;
                continue;
            }
            if (replayHeld != null) {
                log.info("writing acknowledged buffered writes again to {}: resumed, its guard lets them go", current);
                replayHeld = null;
            }
            boolean overlaps = false;
            for (UnsyncedWrites.Kept inFlight : replaying.values()) {
                overlaps |= inFlight.overlaps(k);
            }
            if (overlaps) {
                break; // after the earlier copy of these pages lands
            }
            long id = table.newRequestId();
            table.countSend();
            replaying.put(id, k);
            current.send(new Message.Request(id, k.write));
            replayNext++;
            sent++;
        }
        if (sent > 0) {
            current.flush();
        }
        if (replayNext < replayQueue.size() || !replaying.isEmpty()) {
            return false;
        }
        replayQueue = null;
        replayOn = null;
        return true;
    }

    /** The replay waits at {@code k}, which its guard refused for now; logged once per wait. */
    private void hold(Session current, UnsyncedWrites.Kept k, PageIoException refused) {
        if (replayHeld == null) {
            Op.Write w = k.write;
            log.warn("writing acknowledged buffered writes again to {} waits at \"{}\" page {}, {} copies left: its send"
                    + " guard refuses it for now ({}); nothing of their volumes goes before them", current, w.volume(),
                    w.firstPage(), replayQueue.size() - replayNext, refused.getMessage());
        }
        replayHeld = refused.getMessage();
    }

    /** Whether {@code requestId}, answered on {@code connection}, is a replayed copy's rather than a record's. */
    boolean answers(Session connection, long requestId) {
        return connection == replayOn && replaying.containsKey(requestId);
    }

    /**
     * The answer to a replayed copy ({@link #answers} said so): acknowledged again (kept until a barrier), or
     * dropped and why. Returns false if the server did not execute it: the whole replay starts over.
     */
    boolean onCompletion(Session connection, Message.Completion completion) {
        UnsyncedWrites.Kept k = replaying.remove(completion.requestId());
        Status status = completion.status();
        switch (status) {
            case OK -> {
                k.ackedAt = table.sends();
                k.ackedBy = connection;
            }
            case SHUTTING_DOWN, NOT_RESERVED -> {
                replayWanted = true; // not executed: the whole replay starts over once nothing is in flight
                return false;
            }
            case NOT_FOUND -> unsynced.drop(k); // the volume is gone, and its pages with it
            default -> lost(k, "writing it again to " + connection + " failed: " + completion.error());
        }
        table.sendReady();
        return true;
    }

    /** A kept copy given up for good: dropped, and every later durability claim of its volume fails (invariant 9). */
    private void lost(UnsyncedWrites.Kept k, String why) {
        String what = unsynced.markLost(k, why);
        log.error("{}; from now on every sync of \"{}\" fails", what, k.write.volume());
    }

    /** {@code connection} is gone (see {@link RecordTable#detach}). */
    void detached(Session connection) {
        if (connection == replayOn) { // the replay's effects are unknown: all again, to the next server
            replaying.clear();
            replayQueue = null;
            replayOn = null;
            replayHeld = null;
            replayWanted = true;
        } else if (unsynced.acknowledgedBy(connection)) {
            replayWanted = true; // what it acknowledged may be gone with its host: all again, after what is in flight
        }
    }

    /** Forgets the replay, wanted or under way: the client is closing. */
    void close() {
        replayWanted = false;
        replayQueue = null;
        replayOn = null;
        replayHeld = null;
        replaying.clear();
    }

    /**
     * Checks invariants 8 and 9 (part of {@link RecordTable#assertInvariants}), given the table's
     * {@code current} connection and the {@code sentToCurrent} records on it.
     */
    void assertInvariants(Session current, int sentToCurrent) {
        RecordTable.check(replayQueue != null || replaying.isEmpty(), null, "replays in flight with no replay under way"); // 8
        RecordTable.check((replayQueue == null) == (replayOn == null), null, "a replay queue without its connection, or the reverse");
        RecordTable.check(replayHeld == null || replayQueue != null, null, "a replay held with no replay under way");              // 9
        if (current != null) {
            RecordTable.check(sentToCurrent + (replayOn == current ? replaying.size() : 0) <= current.parameters().maxInflight(), null,
                    () -> "records and replays on the current connection exceed its max in flight");                           // 8
        }
    }
}
