package org.hapager.pager.record;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import org.hapager.pager.session.Session;
import org.hapager.wire.Op;
import org.hapager.wire.OpCode;
import org.hapager.wire.Outcome;

/**
 * The client's record of one request (patent FIG. 3): all parameters needed to issue it again, its status,
 * the server that references it, attempts and timestamps, and the future handed to the caller.
 *
 * <p>The final fields are set by the submitting thread before the record is handed to the I/O thread.
 * Every other field is owned by {@link RecordTable} on that I/O thread, which also gives the record its id
 * and its admission time when it admits it: ids follow admission order, the order conflicting requests
 * take effect in, whatever order the submitting threads created their records in.
 */
public final class CallbackRecord {

    final Op op;
    /** Where a read's pages go (a caller's frame), or null to return a fresh buffer. */
    final ByteBuffer readInto;
    final CompletableFuture<Outcome> future;
    /** Asked before every send; null for none (see {@link org.hapager.pager.SendGuard}). */
    final SendCheck sendCheck;

    // owned by the RecordTable's I/O thread
    /** Admission order: set by {@link RecordTable#admit}, 0 before. */
    long id;
    /** When the table admitted it, on the table's clock; the failover deadline counts from here. */
    long admittedNanos;
    RecordState state = RecordState.QUEUED;
    Session server;
    int attempts;
    /** Set when a server holding it was lost: the last attempt may or may not have been applied. */
    boolean outcomeUnknown;
    long sentNanos;
    /** The table's send count at this record's last send: orders it against buffered writes' acknowledgements. */
    long sentSeq;
    long acceptedNanos;
    /** Earlier conflicting requests this one waits for, each once (see {@link RequestOrdering}); null if none. */
    ArrayList<CallbackRecord> blockers;
    /** Later requests waiting for this one, each once: the reverse edges of {@code blockers}; null if none. */
    ArrayList<CallbackRecord> waiters;
    /** What this request touches, fixed when it is admitted. */
    RequestOrdering.Claim[] claims;

    public CallbackRecord(Op op, ByteBuffer readInto) {
        this(op, readInto, null);
    }

    /** A record whose every send is first checked by {@code sendCheck} (null: none). */
    public CallbackRecord(Op op, ByteBuffer readInto, SendCheck sendCheck) {
        this.sendCheck = sendCheck;
        this.op = op;
        this.readInto = readInto;
        this.future = new CompletableFuture<>();
    }

    /** What decides, before each send of a record, whether it may still go out. */
    @FunctionalInterface
    public interface SendCheck {
        /** Null to send {@code r}; otherwise the failure it is abandoned with, unsent. */
        org.hapager.pager.PageIoException refusal(CallbackRecord r);
    }

    /** The request id, given at admission (0 before). */
    public long id() {
        return id;
    }

    public Op op() {
        return op;
    }

    /** The caller's future: completes exactly once, with the outcome or the failure. */
    public CompletableFuture<Outcome> future() {
        return future;
    }

    /** Current state; only meaningful when read on the I/O thread. */
    public RecordState state() {
        return state;
    }

    /** Names the request the way error messages and logs do. */
    public String describe() {
        StringBuilder b = new StringBuilder(op.code().tag()).append(" of ");
        switch (op.code()) {
            case READ -> {
                Op.Read r = (Op.Read) op;
                appendPages(b, r.volume(), r.firstPage(), r.pageCount());
            }
            case WRITE, WRITE_BUFFERED -> {
                Op.Write w = (Op.Write) op;
                appendPages(b, w.volume(), w.firstPage(), w.pageCount());
            }
            case COMPARE_AND_WRITE -> {
                Op.CompareAndWrite c = (Op.CompareAndWrite) op;
                appendPages(b, c.volume(), c.page(), 1);
            }
            case RENAME -> b.append('"').append(op.volume()).append("\" to \"").append(((Op.Rename) op).target()).append('"');
            default -> b.append('"').append(op.volume()).append('"');
        }
        return b.append(" (request ").append(id).append(')').toString();
    }

    /** Whether an earlier conflicting request still holds it back. */
    boolean isBlocked() {
        return blockers != null && !blockers.isEmpty();
    }

    boolean isReadOnly() {
        return op.code() == OpCode.READ || op.code() == OpCode.STAT || op.code() == OpCode.LIST;
    }

    private static void appendPages(StringBuilder b, String volume, long first, int count) {
        b.append("volume \"").append(volume).append("\" page");
        if (count == 1) {
            b.append(' ').append(first);
        } else {
            b.append("s ").append(first).append('-').append(first + count - 1);
        }
    }
}
