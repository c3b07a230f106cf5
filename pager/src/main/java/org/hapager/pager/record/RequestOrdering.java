package org.hapager.pager.record;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.hapager.wire.Op;

/**
 * Keeps conflicting requests in submission order, so that writes to one page are applied in the order
 * they were submitted, a read sees every write submitted before it, and this holds across a reissue to
 * another server (only one of two conflicting requests is ever in flight).
 *
 * <p>Two pending requests conflict when they touch a common key and not both are read-only:
 * <ul>
 *   <li>a read or write touches its volume's key over its page range, a compare-and-write over its page (as
 *       a write: it may change it);</li>
 *   <li>sync, set-length, create, delete and stat touch their volume's key over all of it, so a sync waits
 *       for every earlier write of its volume;</li>
 *   <li>rename touches both names; create, delete, rename, mkdirs and list also touch one namespace key, so
 *       namespace changes apply in order and a listing sees every name change submitted before it (not
 *       page writes: the lengths it reports are a snapshot).</li>
 * </ul>
 * A request waits for every earlier pending request it conflicts with (its {@code blockers}; each of them
 * lists it among its {@code waiters}, the same edges reversed) and is free to go when none is left. Pending
 * means admitted and not yet retired. A request may retire while it still waits, when the deadline abandons
 * it: it then leaves its blockers' waiters too, so that nothing can set it free, and send it, afterwards.
 *
 * <p>Owner: the {@link RecordTable}'s I/O thread.
 */
final class RequestOrdering {

    /** The key every namespace change and listing shares. */
    private static final String NAMESPACE_KEY = "";
    private static final long ALL = Long.MAX_VALUE;

    private final Map<String, ArrayDeque<Claim>> pendingByKey = new HashMap<>();

    /** One record's claim on one key over pages {@code [from, to)}. */
    record Claim(CallbackRecord record, String key, long from, long to) {
        boolean conflictsWith(Claim later) {
            return !(record.isReadOnly() && later.record.isReadOnly()) && from < later.to && later.from < to;
        }
    }

    /** Registers {@code r} behind every pending request it conflicts with; returns true if nothing blocks it. */
    boolean admit(CallbackRecord r) {
        r.claims = claimsOf(r);
        for (Claim claim : r.claims) {
            ArrayDeque<Claim> pending = pendingByKey.computeIfAbsent(claim.key, k -> new ArrayDeque<>());
            for (Claim earlier : pending) {
                if (earlier.record != r && earlier.conflictsWith(claim)) {
                    link(earlier.record, r);
                }
            }
            pending.addLast(claim);
        }
        return !r.isBlocked();
    }

    /**
     * Removes {@code r}: its claims, and its edges both ways. Hands every request it was the last blocker of to
     * {@code nowFree}, in admission order. A record retired while still blocked (abandoned) frees nothing of
     * its own blockers and is no longer among their waiters.
     */
    void retire(CallbackRecord r, Consumer<CallbackRecord> nowFree) {
        for (Claim claim : r.claims) {
            ArrayDeque<Claim> pending = pendingByKey.get(claim.key);
            pending.remove(claim);
            if (pending.isEmpty()) {
                pendingByKey.remove(claim.key);
            }
        }
        if (r.blockers != null) {
            for (CallbackRecord blocker : r.blockers) {
                blocker.waiters.remove(r);
            }
            r.blockers = null;
        }
        if (r.waiters != null) {
            for (CallbackRecord waiter : r.waiters) {
                waiter.blockers.remove(r);
                if (waiter.blockers.isEmpty()) {
                    waiter.blockers = null;
                    nowFree.accept(waiter);
                }
            }
            r.waiters = null;
        }
    }

    /** {@code later} waits for {@code earlier}; one edge per pair, however many keys they share. */
    private static void link(CallbackRecord earlier, CallbackRecord later) {
        if (later.blockers == null) {
            later.blockers = new ArrayList<>(2);
        } else if (later.blockers.contains(earlier)) {
            return;
        }
        later.blockers.add(earlier);
        if (earlier.waiters == null) {
            earlier.waiters = new ArrayList<>(2);
        }
        earlier.waiters.add(later);
    }

    /** Whether two records conflict on some key (the relation {@link #admit} orders by). */
    static boolean conflict(CallbackRecord a, CallbackRecord b) {
        for (Claim x : a.claims) {
            for (Claim y : b.claims) {
                if (x.key.equals(y.key) && x.conflictsWith(y)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Number of keys with pending requests (retiring everything empties it). */
    int pendingKeys() {
        return pendingByKey.size();
    }

    private static Claim[] claimsOf(CallbackRecord r) {
        Op op = r.op;
        String volume = "v/" + op.volume();
        return switch (op.code()) {
            case READ -> {
                Op.Read read = (Op.Read) op;
                yield new Claim[] {new Claim(r, volume, read.firstPage(), read.firstPage() + read.pageCount())};
            }
            case WRITE, WRITE_BUFFERED -> {
                Op.Write write = (Op.Write) op;
                yield new Claim[] {new Claim(r, volume, write.firstPage(), write.firstPage() + write.pageCount())};
            }
            case COMPARE_AND_WRITE -> {
                Op.CompareAndWrite cas = (Op.CompareAndWrite) op;
                yield new Claim[] {new Claim(r, volume, cas.page(), cas.page() + 1)}; // a write of its page
            }
            case SYNC, SET_LENGTH, STAT -> new Claim[] {whole(r, volume)};
            case CREATE, DELETE, MKDIRS -> new Claim[] {whole(r, volume), whole(r, NAMESPACE_KEY)};
            case RENAME -> new Claim[] {whole(r, volume), whole(r, "v/" + ((Op.Rename) op).target()), whole(r, NAMESPACE_KEY)};
            case LIST -> new Claim[] {whole(r, NAMESPACE_KEY)};
        };
    }

    private static Claim whole(CallbackRecord r, String key) {
        return new Claim(r, key, 0, ALL);
    }
}
