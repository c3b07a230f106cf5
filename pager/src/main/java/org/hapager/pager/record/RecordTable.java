package org.hapager.pager.record;

import io.netty.util.collection.LongObjectHashMap;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.hapager.pager.PageIoException;
import org.hapager.pager.session.ServerConnection;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The table of callback records and the one owner of their state machine (patent FIG. 3 to FIG. 5).
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li>Every record in {@code records} is QUEUED, SENT or REFERENCED. DONE and RELEASED last only inside
 *       {@link #onCompletion}; RELEASED and ABANDONED records are gone from every structure.</li>
 *   <li>A SENT or REFERENCED record names the connection it was sent on in {@code server}; for the current
 *       connection, {@code sentToCurrent} counts them and never exceeds the session's max in-flight.</li>
 *   <li>A QUEUED record is in {@code ready} exactly when nothing blocks it ({@code blockers == 0}); two
 *       conflicting requests are never both past QUEUED (see {@link RequestOrdering}).</li>
 *   <li>The caller's future is completed exactly once, on the way out of the table (DONE or ABANDONED),
 *       after every structure has forgotten the record; and each record holds one permit of the client's
 *       in-flight bound from submit until then.</li>
 *   <li>A completion is taken only from the connection the record was sent on: a late reply from a
 *       replaced server is ignored.</li>
 * </ol>
 *
 * <h2>States and transitions</h2>
 * <pre>
 *  admit ─► QUEUED ──send──► SENT ──accepted──► REFERENCED ──completion──► DONE ──release──► RELEASED
 *             ▲  │             │                    │                                      (removed)
 *             │  │             └──── unreferenced ──┴──► reissue? ─yes─┐
 *             │  │                 (server lost)              │no       │
 *             │  └──── no server ─────────────────────────► ABANDONED   │
 *             └──────────────────────────────────────────────────────────┘
 * </pre>
 * <ul>
 *   <li>{@link #admit}: a new record enters QUEUED, behind any earlier conflicting request (step 406, 408).</li>
 *   <li>{@link #sendReady}: QUEUED → SENT on the current connection while it has room (step 410).</li>
 *   <li>{@link #onAccepted}: SENT → REFERENCED: the server holds a reference to the record (step 414).</li>
 *   <li>{@link #onCompletion}: SENT or REFERENCED → DONE → RELEASED: the outcome goes to the caller, the
 *       record leaves the table and frees conflicting requests behind it. A completion implies acceptance,
 *       and completion and release travel in one message (steps 420 to 430); a SHUTTING_DOWN reply means
 *       the server never executed the request, which goes back to QUEUED.</li>
 *   <li>{@link #onLost}: the connection closed or its lease lapsed, so every reference it held disappears
 *       at once; each of its records is handled as unreferenced (steps 428, 502, 506). A request that was
 *       never sent stays QUEUED for the next server (step 504).</li>
 * </ul>
 * Which records can be reissued, and where, is the failover policy's decision; with no other server to
 * go to, {@link #unreferenced} abandons the record with an UNAVAILABLE failure that names the server and
 * the request.
 *
 * <p>Owner: the pager's I/O thread (the connections' Netty event loop). No method here is thread-safe.
 */
public final class RecordTable implements ServerConnection.Listener {

    private static final Logger log = LoggerFactory.getLogger(RecordTable.class);

    private final LongObjectHashMap<CallbackRecord> records = new LongObjectHashMap<>();
    private final ArrayDeque<CallbackRecord> ready = new ArrayDeque<>();
    private final RequestOrdering ordering = new RequestOrdering();
    private final Semaphore permits;
    private final PagerMetrics metrics;

    private ServerConnection current;
    private int sentToCurrent;
    private PageIoException closedCause;

    public RecordTable(Semaphore permits, PagerMetrics metrics) {
        this.permits = permits;
        this.metrics = metrics;
    }

    /** Number of records in the table (submitted, not yet completed). */
    public int size() {
        return records.size();
    }

    /** The connection requests are sent on, or null if none is serving. */
    public ServerConnection current() {
        return current;
    }

    // ------------------------------------------------------------------ transitions

    /** New record: QUEUED, and sent at once if nothing blocks it and there is room. */
    public void admit(CallbackRecord r) {
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
        int room = current.parameters().maxInflight() - sentToCurrent;
        int sent = 0;
        while (sent < room && !ready.isEmpty()) {
            CallbackRecord r = ready.pollFirst();
            r.state = RecordState.SENT;
            r.server = current;
            r.attempts++;
            r.sentNanos = System.nanoTime();
            current.send(new Message.Request(r.id, r.op));
            sent++;
        }
        if (sent > 0) {
            sentToCurrent += sent;
            current.flush();
        }
    }

    @Override
    public void onServing(ServerConnection connection) {
        log.info("serving from {} (lease {} ms, max in flight {})", connection,
                connection.parameters().leaseNanos() / 1_000_000, connection.parameters().maxInflight());
        metrics.connectionReady();
        if (current == null) {
            current = connection;
            sentToCurrent = 0;
            sendReady();
        }
    }

    @Override
    public void onAccepted(ServerConnection connection, long requestId) {
        CallbackRecord r = records.get(requestId);
        if (r == null || r.server != connection) {
            return; // late word from a replaced server (invariant 5)
        }
        if (r.state == RecordState.SENT) {
            r.state = RecordState.REFERENCED;
            r.acceptedNanos = System.nanoTime();
        }
    }

    @Override
    public void onCompletion(ServerConnection connection, Message.Completion completion) {
        CallbackRecord r = records.get(completion.requestId());
        if (r == null || r.server != connection) {
            return; // late word from a replaced server (invariant 5)
        }
        if (connection == current) {
            sentToCurrent--;
        }
        if (completion.status() == org.hapager.wire.Status.SHUTTING_DOWN) {
            // The server refused it without executing it: the request was never accepted.
            r.state = RecordState.QUEUED;
            r.server = null;
            ready.addFirst(r);
            return;
        }
        r.state = RecordState.DONE;
        Outcome outcome = null;
        PageIoException failure = null;
        if (completion.status() == org.hapager.wire.Status.OK) {
            try {
                outcome = accept(r, completion.outcome());
            } catch (PageIoException e) {
                failure = e;
            }
        } else {
            failure = new PageIoException(kindOf(completion.status()), r.describe() + " failed on " + connection
                    + ": " + completion.error());
        }
        r.state = RecordState.RELEASED;
        finish(r, outcome, failure);
        sendReady();
    }

    @Override
    public void onDraining(ServerConnection connection, String reason) {
        log.info("{} is draining ({}): sending it nothing new", connection, reason);
    }

    @Override
    public void onLost(ServerConnection connection, Throwable cause) {
        if (connection.parameters() != null) {
            metrics.connectionLost();
            if (closedCause == null) {
                log.warn("lost {}: {}", connection, cause.getMessage());
            }
        }
        if (connection != current) {
            return;
        }
        current = null;
        sentToCurrent = 0;
        List<CallbackRecord> referencedByIt = new ArrayList<>();
        records.forEach((id, r) -> {
            if (r.server == connection) {
                referencedByIt.add(r);
            }
        });
        referencedByIt.sort((a, b) -> Long.compare(a.id, b.id));
        for (CallbackRecord r : referencedByIt) {
            unreferenced(r, connection, cause);
        }
        // With no server to wait for, requests not yet sent cannot go anywhere either.
        PageIoException noServer = new PageIoException(PageIoException.Kind.UNAVAILABLE,
                "no page server: " + connection + " was lost (" + cause.getMessage() + ")", cause);
        while (!ready.isEmpty()) { // abandoning one may free the next
            finishAbandoned(ready.pollFirst(), noServer);
        }
    }

    /**
     * The server that referenced {@code r} is gone. A record SENT but not accepted had no reference yet
     * (step 502); a REFERENCED one was in progress (step 506). Either way it was not completed, so its
     * outcome is unknown; without another server it is abandoned.
     */
    private void unreferenced(CallbackRecord r, ServerConnection lost, Throwable cause) {
        String window = r.state == RecordState.SENT ? "after send, before the server accepted it"
                : "after the server accepted it, before completion";
        finishAbandoned(r, new PageIoException(PageIoException.Kind.UNAVAILABLE,
                r.describe() + " lost " + window + ": " + lost + " is gone (" + cause.getMessage() + ")", cause));
    }

    /** Fails every record and refuses new ones: the client is closing. */
    public void closeAll(PageIoException cause) {
        closedCause = cause;
        List<CallbackRecord> all = new ArrayList<>();
        records.forEach((id, r) -> all.add(r));
        all.sort((a, b) -> Long.compare(a.id, b.id));
        for (CallbackRecord r : all) {
            finishAbandoned(r, cause);
        }
        ready.clear();
    }

    // ------------------------------------------------------------------ helpers

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
        metrics.completed(r.op.code(), failure == null ? null : failure.kind(), System.nanoTime() - r.submittedNanos);
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
            case WRITE -> metrics.bytesWritten(((Op.Write) r.op).data().remaining());
            default -> { }
        }
        return outcome;
    }

    private static PageIoException.Kind kindOf(org.hapager.wire.Status status) {
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
        for (CallbackRecord r : records.values()) {
            check(r.state == RecordState.QUEUED || r.state == RecordState.SENT || r.state == RecordState.REFERENCED,
                    r, "is in the table in state " + r.state);
            check(!r.future.isDone(), r, "is in the table with a completed future");
            if (r.state == RecordState.QUEUED) {
                check(r.server == null, r, "is QUEUED but names a server");
                check((r.blockers == 0) == ready.contains(r), r, "has " + r.blockers + " blockers but ready=" + ready.contains(r));
            } else {
                check(r.server != null && r.blockers == 0, r, "is " + r.state + " without a server or while blocked");
                if (r.server == current) {
                    sent++;
                }
            }
        }
        for (CallbackRecord r : ready) {
            check(records.get(r.id) == r, r, "is ready but not in the table");
        }
        if (current != null) {
            check(sent == sentToCurrent, null, "sentToCurrent " + sentToCurrent + " but " + sent + " records are on it");
            check(sent <= current.parameters().maxInflight(), null, sent + " sent beyond max in flight");
        }
        if (records.isEmpty()) {
            check(ordering.pendingKeys() == 0, null, "ordering holds keys with an empty table");
        }
    }

    private static void check(boolean ok, CallbackRecord r, String what) {
        if (!ok) {
            throw new IllegalStateException("record table invariant broken: " + (r == null ? "" : r.describe() + " ") + what);
        }
    }
}
