package org.hapager.pager.record;

import io.netty.util.collection.LongObjectHashMap;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.function.LongSupplier;
import org.hapager.pager.PageIoException;
import org.hapager.pager.metrics.PagerMetrics;
import org.hapager.pager.session.Session;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.hapager.wire.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The table of callback records and the one owner of their state machine (patent FIG. 3 to FIG. 5).
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li>Every record in {@code records} is QUEUED, SENT or REFERENCED. DONE and RELEASED last only inside
 *       {@link #onCompletion}; RELEASED and ABANDONED records are gone from every structure: the table, the
 *       ready queue, the ordering's claims and every other record's blockers and waiters.</li>
 *   <li>A SENT or REFERENCED record names the connection it was sent on in {@code server}; for the current
 *       connection, {@code sentToCurrent} counts them and never exceeds the session's max in-flight.</li>
 *   <li>A QUEUED record is in {@code ready} exactly when nothing blocks it. Blockers and waiters are the same
 *       edges seen from both ends, each between two records in the table, from an earlier (lower id) record
 *       to a later one that conflicts with it; only a QUEUED record has blockers.</li>
 *   <li>Two conflicting requests are never both past QUEUED (see {@link RequestOrdering}), so a reissue can
 *       never reorder writes to one page.</li>
 *   <li>The caller's future is completed exactly once, on the way out of the table (DONE or ABANDONED),
 *       after every structure has forgotten the record; and each record holds one permit of the client's
 *       in-flight bound from submit until then (so permits in use are at least the records in the table).</li>
 *   <li>A completion is taken only from the connection the record was sent on: a late reply from a
 *       replaced server is ignored.</li>
 *   <li>Ids follow admission order: {@link #admit} gives them, on this thread, so "earlier" means the same
 *       thing to the ordering, to reissue (in id order) and to expiry, whichever caller thread submitted
 *       first.</li>
 *   <li>Kept copies of acknowledged buffered writes and their replay: see {@link KeptCopyReplay}.</li>
 *   <li>Giving up a kept copy: see {@link KeptCopyReplay}.</li>
 * </ol>
 *
 * <h2>States and transitions</h2>
 * <pre>
 *  admit ─► QUEUED ──send──► SENT ──accepted──► REFERENCED ──completion──► DONE ──release──► RELEASED
 *             ▲ ▲ │            │                    │                                      (removed)
 *             │ │ │            └──── unreferenced ──┤ (server lost: reissue, steps 502, 506)
 *             │ │ │                                 │
 *             │ └─┼───────────── not executed ──────┘ (SHUTTING_DOWN / NOT_RESERVED reply)
 *             │   └── no server within the deadline, client closed, send guard refused ──► ABANDONED
 *             └──────────────────────────────────────────────────────────────┘
 * </pre>
 * <ul>
 *   <li>{@link #admit}: a new record enters QUEUED, behind any earlier conflicting request (step 406, 408).</li>
 *   <li>{@link #sendReady}: QUEUED → SENT on the current connection while it has room (step 410), reissued
 *       records first, in submission order; or QUEUED → ABANDONED, unsent, when the record's send check
 *       (a caller's {@link org.hapager.pager.SendGuard}) refuses it at that moment.</li>
 *   <li>{@link #onAccepted}: SENT → REFERENCED: the server holds a reference to the record (step 414).</li>
 *   <li>{@link #onCompletion}: SENT or REFERENCED → DONE → RELEASED: the outcome goes to the caller, the
 *       record leaves the table and frees conflicting requests behind it. A completion implies acceptance,
 *       and completion and release travel in one message (steps 420 to 430), so no reference can vanish while
 *       a record is DONE: window 508 needs no action. A SHUTTING_DOWN or NOT_RESERVED reply means the server
 *       did not execute the request: back to QUEUED.</li>
 *   <li>{@link #detach}: the connection closed or its lease lapsed, so every reference it held disappears at
 *       once. Each of its records gets the unreferenced treatment: SENT (no reference existed yet, step 502)
 *       or REFERENCED (in progress, step 506) → QUEUED for the next server with its stored parameters, its
 *       outcome now unknown. Records never sent stay QUEUED and simply go to the next server (step 504).</li>
 *   <li>{@link #expire}: with no server serving (none attached, or the attached one draining), a QUEUED record
 *       that has waited longer than the deadline is ABANDONED with an UNAVAILABLE failure naming every server
 *       and the request, whether or not an earlier conflicting request still holds it back.</li>
 * </ul>
 *
 * <h2>Repeating a request whose outcome is unknown</h2>
 * Page reads and writes are idempotent: a write reissued after its first attempt may or may not have landed
 * writes the same bytes (the caller's buffer is pinned until completion). A namespace change is not: an
 * exclusive create, delete or rename whose first attempt landed fails when repeated. For a reissued record
 * whose first attempt's outcome is unknown, the failure that the first attempt itself would cause
 * (ALREADY_EXISTS for an exclusive create or mkdirs, NOT_FOUND for a delete or rename) counts as success,
 * as NFS clients do after a retransmission. Nor is a compare-and-write: one whose first attempt wrote its page
 * miscompares when repeated, finding its own new bytes. A reissued compare-and-write whose first attempt's
 * outcome is unknown and that miscompares on a page holding exactly its new bytes counts as written (its
 * callers write bytes nobody else writes, see {@link org.hapager.pager.PagerClient#compareAndWrite}).
 *
 * <p>Owner: the pager's I/O thread (the connections' Netty event loop). No method here is thread-safe.
 */
public final class RecordTable {

    private static final Logger log = LoggerFactory.getLogger(RecordTable.class);

    private final LongObjectHashMap<CallbackRecord> records = new LongObjectHashMap<>();
    private final ArrayDeque<CallbackRecord> ready = new ArrayDeque<>();
    private final RequestOrdering ordering = new RequestOrdering();
    private final Semaphore permits;
    private final int maxPermits;
    private final PagerMetrics metrics;
    private final LongSupplier nanoClock;

    private Session current;
    private int sentToCurrent;
    private PageIoException closedCause;
    private long lastId;
    /** When the last server was lost, while the first reissued completion is still awaited; 0 otherwise. */
    private long detachedNanos;
    /** Sends so far, replays included: what orders a barrier's send after a buffered write's acknowledgement. */
    private long sends;
    /** Acknowledged buffered writes not yet made durable by a barrier. */
    private final UnsyncedWrites unsynced = new UnsyncedWrites();
    /** The replay of those copies after a connection that acknowledged one is gone (invariants 8 and 9). */
    private final KeptCopyReplay replay = new KeptCopyReplay(unsynced, new KeptCopyReplay.Table() {
        @Override
        public long newRequestId() {
            return ++lastId;
        }

        @Override
        public void countSend() {
            sends++;
        }

        @Override
        public long sends() {
            return sends;
        }

        @Override
        public boolean recordInFlight() {
            return anyRecordInFlight();
        }

        @Override
        public boolean bufferedWriteRunningElsewhere() {
            return RecordTable.this.bufferedWriteRunningElsewhere();
        }

        @Override
        public void sendReady() {
            RecordTable.this.sendReady();
        }
    });

    /**
     * @param permits the client's in-flight bound, {@code maxPermits} in all: each record holds one, taken by
     *                the submitter, released here when the record leaves the table
     * @param nanoClock the I/O thread's clock (its event loop's ticker), so that tests can step it
     */
    public RecordTable(Semaphore permits, int maxPermits, PagerMetrics metrics, LongSupplier nanoClock) {
        this.permits = permits;
        this.maxPermits = maxPermits;
        this.metrics = metrics;
        this.nanoClock = nanoClock;
    }

    /** Bytes of acknowledged buffered writes kept until a barrier; read from any thread. */
    public long unsyncedBytes() {
        return unsynced.bytes();
    }

    /** Number of records in the table (submitted, not yet completed). */
    public int size() {
        return records.size();
    }

    /** The connection requests are sent on, or null if none is serving. */
    public Session current() {
        return current;
    }

    // ------------------------------------------------------------------ transitions

    /** New record: given its id, QUEUED behind any earlier conflicting request; {@link #sendReady} sends it. */
    public void admit(CallbackRecord r) {
        r.id = ++lastId;
        r.admittedNanos = nanoClock.getAsLong();
        if (closedCause != null) {
            abandon(r, closedCause);
            return;
        }
        records.put(r.id, r);
        if (ordering.admit(r)) {
            ready.addLast(r);
        }
    }

    /** Sends QUEUED records that are free to go while the current connection has room; flushes once. */
    public void sendReady() {
        if (current == null || !current.isServing()) {
            return;
        }
        if (!replay.startIfWanted(current)) {
            return; // requests still in flight somewhere: the copies go after them
        }
        boolean replayUnderWay = replay.sendCopies(current, sentToCurrent);
        int room = current.parameters().maxInflight() - sentToCurrent - replay.inFlight();
        int sent = 0;
        List<CallbackRecord> heldBack = null;
        while (sent < room && !ready.isEmpty()) {
            CallbackRecord r = ready.pollFirst();
            if (replayUnderWay && waitsForReplay(r)) { // after the copies it could overtake (invariant 8)
                if (heldBack == null) {
                    heldBack = new ArrayList<>();
                }
                heldBack.add(r);
                continue;
            }
            PageIoException refused = r.sendCheck == null ? null : r.sendCheck.refusal(r);
            if (refused != null) {
                finishAbandoned(r, refused); // never sent (again); conflicting requests behind it become ready
                continue;
            }
            r.state = RecordState.SENT;
            r.server = current;
            r.attempts++;
            r.sentNanos = nanoClock.getAsLong();
            r.sentSeq = ++sends;
            current.send(new Message.Request(r.id, r.op));
            sent++;
        }
        if (heldBack != null) {
            for (int i = heldBack.size() - 1; i >= 0; i--) {
                ready.addFirst(heldBack.get(i));
            }
        }
        if (sent > 0) {
            sentToCurrent += sent;
            current.flush();
        }
    }

    /** Whether {@code r} waits for the replay under way: it touches a volume with a kept copy (invariant 8). */
    boolean waitsForReplay(CallbackRecord r) {
        return replay.waitsFor(r);
    }

    /** The I/O thread's tick: a replay its guard holds asks again whether its next copy may go (invariant 9). */
    public void retryHeldReplay() {
        if (replay.isHeld()) {
            sendReady();
        }
    }

    /** {@code connection} is serving and becomes the one requests go to (a failover, or the first). */
    public void attach(Session connection) {
        current = connection;
        sentToCurrent = 0;
        replay.attached(); // wanted if copies are kept, or buffered writes still run on another connection
        sendReady();
    }

    /** Whether a buffered write is in flight on a connection other than the current one. */
    private boolean bufferedWriteRunningElsewhere() {
        for (CallbackRecord r : records.values()) {
            if (r.server != null && r.server != current && r.op.code() == org.hapager.wire.OpCode.WRITE_BUFFERED) {
                return true;
            }
        }
        return false;
    }

    /** Whether a record is in flight (sent, not yet answered) on any connection. */
    private boolean anyRecordInFlight() {
        for (CallbackRecord r : records.values()) {
            if (r.server != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Forgets the losses of {@code name} and everything under it: whoever guarded it gave it up (a database's
     * lock was released), and its next owner recovers from its own log. I/O thread.
     */
    public void forgetLostWrites(String name) {
        unsynced.forgetLost(name);
    }

    public void onAccepted(Session connection, long requestId) {
        CallbackRecord r = records.get(requestId);
        if (r == null || r.server != connection) {
            return; // late word from a replaced server (invariant 5)
        }
        if (r.state == RecordState.SENT) {
            r.state = RecordState.REFERENCED;
            r.acceptedNanos = nanoClock.getAsLong();
        }
    }

    /**
     * A completion (which also releases the server's reference). Returns false if the server said it did
     * not execute the request (draining, or without the storage reservation): the record is QUEUED again.
     */
    public boolean onCompletion(Session connection, Message.Completion completion) {
        if (replay.answers(connection, completion.requestId())) {
            return replay.onCompletion(connection, completion);
        }
        CallbackRecord r = records.get(completion.requestId());
        if (r == null || r.server != connection) {
            return true; // late word from a replaced server (invariant 5)
        }
        if (connection == current) {
            sentToCurrent--;
        }
        Status status = completion.status();
        if (status == Status.SHUTTING_DOWN || status == Status.NOT_RESERVED) {
            requeueFirst(List.of(r));
            return false;
        }
        r.state = RecordState.DONE;
        Outcome outcome = null;
        PageIoException failure = null;
        if (status == Status.OK || (r.outcomeUnknown && isDuplicateOfFirstAttempt(r.op, status))) {
            try {
                outcome = accept(r, status == Status.OK ? completion.outcome() : Outcome.Done.INSTANCE);
                failure = applied(r);
            } catch (PageIoException e) {
                failure = e;
            }
        } else {
            failure = new PageIoException(kindOf(status), r.describe() + " failed on " + connection
                    + ": " + completion.error());
        }
        if (r.attempts > 1 && detachedNanos != 0) {
            metrics.failoverStall(nanoClock.getAsLong() - detachedNanos);
            detachedNanos = 0;
        }
        r.state = RecordState.RELEASED;
        finish(r, outcome, failure);
        sendReady();
        return true;
    }

    /**
     * {@code connection} is gone: every reference it held disappeared at once. Its records are handled as
     * unreferenced and QUEUED again, first in line, in submission order.
     */
    public void detach(Session connection) {
        boolean wasCurrent = connection == current;
        if (wasCurrent) {
            current = null;
            sentToCurrent = 0;
        }
        replay.detached(connection);
        List<CallbackRecord> unreferenced = new ArrayList<>();
        int neverSent = 0;
        for (CallbackRecord r : records.values()) {
            if (r.server == connection) {
                unreferenced.add(r);
            } else if (wasCurrent && r.state == RecordState.QUEUED) {
                neverSent++; // they were to go to this server; a standby or a draining one had none coming
            }
        }
        if (unreferenced.isEmpty() && neverSent == 0) {
            return;
        }
        unreferenced.sort((a, b) -> Long.compare(a.id, b.id));
        for (CallbackRecord r : unreferenced) {
            // SENT: lost after send, before the server accepted it (step 502);
            // REFERENCED: lost after it was accepted, before completion (step 506).
            metrics.reissued(r.state == RecordState.SENT ? PagerMetrics.Window.BEFORE_ACCEPT : PagerMetrics.Window.AFTER_ACCEPT);
            r.outcomeUnknown = true;
        }
        metrics.reissued(PagerMetrics.Window.BEFORE_SEND, neverSent); // step 504
        requeueFirst(unreferenced);
        detachedNanos = nanoClock.getAsLong();
        log.info("{} lost with {} requests in progress and {} not yet sent: reissuing them to the next server",
                connection, unreferenced.size(), neverSent);
    }

    /**
     * With no server serving since {@code noServerSinceNanos} (none attached, or the attached one draining):
     * abandons every QUEUED record that has waited longer than {@code deadlineNanos}, blocked or not, with a
     * failure naming the servers as {@code servers} describes them.
     */
    public void expire(long noServerSinceNanos, long deadlineNanos, String servers) {
        if (current != null && current.isServing()) {
            return;
        }
        long nowNanos = nanoClock.getAsLong();
        List<CallbackRecord> expired = new ArrayList<>();
        for (CallbackRecord r : records.values()) {
            if (r.state == RecordState.QUEUED && nowNanos - Math.max(r.admittedNanos, noServerSinceNanos) > deadlineNanos) {
                expired.add(r);
            }
        }
        expired.sort((a, b) -> Long.compare(a.id, b.id));
        for (CallbackRecord r : expired) {
            if (records.get(r.id) == r) {
                ready.remove(r);
                finishAbandoned(r, new PageIoException(PageIoException.Kind.UNAVAILABLE, r.describe()
                        + " could not be completed: no page server within " + deadlineNanos / 1_000_000 + " ms ("
                        + servers + ")" + (r.outcomeUnknown ? "; its last attempt's outcome is unknown" : "")));
            }
        }
    }

    /** Fails every record and refuses new ones: the client is closing. */
    public void closeAll(PageIoException cause) {
        closedCause = cause;
        long unsyncedBytes = unsynced.clear();
        if (unsyncedBytes > 0) {
            log.warn("closing with {} bytes of acknowledged buffered writes no sync made durable: they are in the servers'"
                    + " files, and lost if a server's host fails before its next flush", unsyncedBytes);
        }
        replay.close();
        List<CallbackRecord> all = new ArrayList<>();
        records.forEach((id, r) -> all.add(r));
        all.sort((a, b) -> Long.compare(a.id, b.id));
        for (CallbackRecord r : all) {
            finishAbandoned(r, cause);
        }
        ready.clear();
    }

    // ------------------------------------------------------------------ helpers

    /** Back to QUEUED, ahead of everything else, in submission order; they were free to go when sent. */
    private void requeueFirst(List<CallbackRecord> rs) {
        for (int i = rs.size() - 1; i >= 0; i--) {
            CallbackRecord r = rs.get(i);
            r.state = RecordState.QUEUED;
            r.server = null;
            ready.addFirst(r);
        }
    }

    /**
     * {@code r} took effect: keeps a buffered write's copy, lets a barrier drop the copies it made durable, and
     * moves or drops those of a renamed or deleted volume. Returns the failure of a sync of a volume whose
     * acknowledged buffered write could not be written again after a failover, else null.
     */
    private PageIoException applied(CallbackRecord r) {
        Op op = r.op;
        switch (op.code()) {
            case WRITE_BUFFERED -> unsynced.keep(r, sends, r.server);
            case COMPARE_AND_WRITE -> unsynced.barrier(op.volume(), r.sentSeq, r.server); // it forces the file
            case WRITE, SET_LENGTH, SYNC -> { // each forces the file, and callers take it as the volume's durability
                unsynced.barrier(op.volume(), r.sentSeq, r.server);
                String lost = unsynced.lostReason(op.volume());
                if (lost != null) {
                    return new PageIoException(PageIoException.Kind.STORAGE, r.describe() + " failed: " + lost);
                }
            }
            case DELETE -> unsynced.deleted(op.volume(), r.sentSeq);
            case RENAME -> unsynced.renamed(op.volume(), ((Op.Rename) op).target(), r.sentSeq);
            default -> { }
        }
        return null;
    }

    /**
     * Whether a reissued compare-and-write miscompared because its first attempt (outcome unknown) had written:
     * the page holds exactly its new bytes. That counts as written; {@link org.hapager.pager.PagerClient#compareAndWrite}
     * asks callers for bytes nobody else writes, so nobody else can have put them there.
     */
    private static boolean isDuplicateOfFirstAttempt(Op.CompareAndWrite op, Outcome.Compared miscompare) {
        return miscompare.current().equals(op.data());
    }

    /** The failure a repeat gets when the first attempt of this namespace change had landed. */
    private static boolean isDuplicateOfFirstAttempt(Op op, Status status) {
        return switch (op.code()) {
            case CREATE -> status == Status.ALREADY_EXISTS && ((Op.Create) op).exclusive();
            case MKDIRS -> status == Status.ALREADY_EXISTS;
            case DELETE, RENAME -> status == Status.NOT_FOUND;
            default -> false;
        };
    }

    private void finishAbandoned(CallbackRecord r, PageIoException cause) {
        r.state = RecordState.ABANDONED;
        finish(r, null, cause);
    }

    /** Removes {@code r} from every structure, frees what it blocked, then completes the caller's future. */
    private void finish(CallbackRecord r, Outcome outcome, PageIoException failure) {
        records.remove(r.id);
        r.server = null;
        ordering.retire(r, ready::addLast);
        permits.release();
        metrics.completed(r.op.code(), failure == null ? null : failure.kind(), nanoClock.getAsLong() - r.admittedNanos);
        if (failure == null) {
            r.future.complete(outcome);
        } else {
            r.future.completeExceptionally(failure);
        }
    }

    private void abandon(CallbackRecord r, PageIoException cause) {
        r.state = RecordState.ABANDONED;
        permits.release();
        r.future.completeExceptionally(cause);
    }

    /** Checks a successful outcome against the request; reads are verified page by page. */
    private Outcome accept(CallbackRecord r, Outcome outcome) throws PageIoException {
        switch (r.op.code()) {
            case READ -> {
                Op.Read read = (Op.Read) r.op;
                Outcome.PagesRead pages = (Outcome.PagesRead) outcome;
                if (pages.crcs().length != read.pageCount() || pages.data().remaining() != read.pageCount() * read.pageSize()) {
                    throw new PageIoException(PageIoException.Kind.INVALID, r.describe() + ": " + r.server
                            + " returned " + pages.crcs().length + " pages in " + pages.data().remaining() + " bytes");
                }
                int bad = PageChecksums.firstMismatch(pages.data(), read.pageSize(), pages.crcs());
                if (bad >= 0) {
                    throw new PageIoException(PageIoException.Kind.CHECKSUM_MISMATCH, "checksum mismatch reading volume \""
                            + read.volume() + "\" page " + (read.firstPage() + bad) + " from " + r.server
                            + " (request " + r.id + ")");
                }
                metrics.bytesRead(pages.data().remaining());
                if (r.readInto != null) {
                    ByteBuffer into = r.readInto.duplicate();
                    into.put(pages.data().duplicate());
                }
            }
            case WRITE, WRITE_BUFFERED -> metrics.bytesWritten(((Op.Write) r.op).data().remaining());
            case COMPARE_AND_WRITE -> {
                Op.CompareAndWrite cas = (Op.CompareAndWrite) r.op;
                Outcome.Compared compared = (Outcome.Compared) outcome;
                if (compared.written()) {
                    metrics.bytesWritten(cas.pageSize());
                    break;
                }
                if (compared.current().remaining() != cas.pageSize()
                        || PageChecksums.firstMismatch(compared.current(), cas.pageSize(), new int[] {compared.crc()}) >= 0) {
                    throw new PageIoException(PageIoException.Kind.CHECKSUM_MISMATCH, "checksum mismatch in the page "
                            + r.server + " compared for " + r.describe());
                }
                metrics.bytesRead(cas.pageSize());
                if (r.outcomeUnknown && isDuplicateOfFirstAttempt(cas, compared)) {
                    return Outcome.Compared.written(compared.volumeLength());
                }
            }
            default -> { }
        }
        return outcome;
    }

    private static PageIoException.Kind kindOf(Status status) {
        return switch (status) {
            case NOT_FOUND -> PageIoException.Kind.NOT_FOUND;
            case ALREADY_EXISTS -> PageIoException.Kind.ALREADY_EXISTS;
            case INVALID -> PageIoException.Kind.INVALID;
            case CHECKSUM_MISMATCH -> PageIoException.Kind.CHECKSUM_MISMATCH;
            case IO_ERROR -> PageIoException.Kind.STORAGE;
            case NOT_EMPTY -> PageIoException.Kind.NOT_EMPTY;
            case SHUTTING_DOWN, NOT_RESERVED -> PageIoException.Kind.UNAVAILABLE;
            case OK -> throw new IllegalArgumentException("OK is not a failure");
        };
    }

    /** Checks the invariants in the class comment; tests call it after every step. */
    public void assertInvariants() {
        int sent = 0;
        List<CallbackRecord> pastQueued = new ArrayList<>();
        java.util.Set<CallbackRecord> readySet = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        readySet.addAll(ready);
        check(readySet.size() == ready.size(), null, "a record is ready twice");
        for (CallbackRecord r : records.values()) {
            check(r.state == RecordState.QUEUED || r.state == RecordState.SENT || r.state == RecordState.REFERENCED,
                    r, "is in the table in state " + r.state);                                           // 1
            check(!r.future.isDone(), r, "is in the table with a completed future");                    // 5
            check(r.id > 0 && r.id <= lastId, r, "has an id never given");                               // 7
            if (r.state == RecordState.QUEUED) {
                check(r.server == null, r, "is QUEUED but names a server");
                check(!r.isBlocked() == readySet.contains(r), r, () -> "is blocked by " + ids(r.blockers) + " but ready=" + readySet.contains(r)); // 3
            } else {
                check(r.server != null && !r.isBlocked(), r, () -> "is " + r.state + " without a server or while blocked"); // 2, 3
                pastQueued.add(r);
                if (r.server == current) {
                    sent++;
                }
            }
            if (r.blockers != null) {                                                                    // 3
                for (CallbackRecord b : r.blockers) {
                    check(records.get(b.id) == b, r, () -> "is blocked by " + b.describe() + ", which left the table");
                    check(b.id < r.id && RequestOrdering.conflict(b, r), r, () -> "is blocked by " + b.describe() + ", not an earlier conflicting request");
                    check(occurrences(b.waiters, r) == 1, r, () -> "is blocked by " + b.describe() + " but not once among its waiters");
                }
            }
            if (r.waiters != null) {
                for (CallbackRecord w : r.waiters) {
                    check(records.get(w.id) == w, r, () -> "has waiter " + w.describe() + ", which left the table");
                    check(occurrences(w.blockers, r) == 1, r, () -> "has waiter " + w.describe() + " that does not wait for it once");
                }
            }
        }
        for (int i = 0; i < pastQueued.size(); i++) {                                                   // 4
            for (int j = i + 1; j < pastQueued.size(); j++) {
                CallbackRecord a = pastQueued.get(i);
                CallbackRecord b = pastQueued.get(j);
                check(!RequestOrdering.conflict(a, b), a, () -> "and " + b.describe() + " conflict and are both " + a.state + "/" + b.state);
            }
        }
        for (CallbackRecord r : ready) {
            check(records.get(r.id) == r && r.state == RecordState.QUEUED, r, "is ready but not QUEUED in the table"); // 1, 3
        }
        unsynced.assertInvariants();                                                                    // 8
        replay.assertInvariants(current, sentToCurrent);                                                // 8, 9
        if (current != null) {                                                                           // 2
            int onCurrent = sent;
            check(sent == sentToCurrent, null, () -> "sentToCurrent " + sentToCurrent + " but " + onCurrent + " records are on it");
            check(sent <= current.parameters().maxInflight(), null, () -> onCurrent + " sent beyond max in flight");
        }
        int permitsInUse = maxPermits - permits.availablePermits();                                      // 5
        check(permitsInUse >= records.size(), null, () -> records.size() + " records in the table hold only " + permitsInUse + " permits");
        if (records.isEmpty()) {
            check(ordering.pendingKeys() == 0, null, "ordering holds keys with an empty table");
        }
    }

    private static int occurrences(List<CallbackRecord> rs, CallbackRecord r) {
        int n = 0;
        if (rs != null) {
            for (CallbackRecord x : rs) {
                if (x == r) {
                    n++;
                }
            }
        }
        return n;
    }

    private static List<Long> ids(List<CallbackRecord> rs) {
        return rs == null ? List.of() : rs.stream().map(r -> r.id).toList();
    }

    static void check(boolean ok, CallbackRecord r, java.util.function.Supplier<String> what) {
        if (!ok) {
            check(false, r, what.get());
        }
    }

    static void check(boolean ok, CallbackRecord r, String what) {
        if (!ok) {
            throw new IllegalStateException("record table invariant broken: " + (r == null ? "" : r.describe() + " ") + what);
        }
    }
}
