package org.hapager.pager.record;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.hapager.wire.Op;

/**
 * Buffered writes a server acknowledged that no barrier has made durable yet: the copies the client keeps so
 * that an acknowledged write outlives the server that holds it only in its host's page cache.
 *
 * <h2>Why an acknowledged buffered write is never lost</h2>
 * A buffered write is acknowledged once the server has written it into the volume file, that is into the page
 * cache of the server's host, before any {@code fdatasync}.
 * <ul>
 *   <li>If the server process dies (kill -9, a crash), the page cache is the kernel's: the next server opens the
 *       same file and its next force flushes those pages with its own.</li>
 *   <li>If the host dies, or its path to the storage fails, or its {@code fdatasync} fails (after which Linux may
 *       have dropped the dirty pages), the pages may be gone. The client still has its copy. Once a connection that
 *       acknowledged a kept copy is gone (lost, or drained and closed: its host may die later, and a client
 *       cannot tell), the client waits until no request is in flight on any connection, writes every kept copy
 *       again to the current server ({@link #replayOrder}), in the order they were first acknowledged, and
 *       sends nothing else until they are all acknowledged again: no later read, write or barrier can
 *       overtake them, and no earlier request still running elsewhere can land after them.</li>
 * </ul>
 * A copy is dropped ({@link #barrier}) when a request that forces its volume's file completes OK on the connection
 * that acknowledged the copy, provided the client <em>sent</em> it after that acknowledgement: a sync, a durable
 * write or a length change. That request ran on the same server after the write, and its {@code fdatasync} of
 * the file covered the write. A force by another server proves nothing about this copy: the acknowledging
 * host may have lost it before that force ran; the copy is written again once its connection is gone, and a
 * later barrier there drops it. What the shared storage must give: a file's {@code fdatasync} on a host makes
 * durable what that host wrote to it, and a page written by one server is what the next reads (one host's page
 * cache; a cluster file system with coherent caches). Without that second property (NFS with per-host caches)
 * make every write durable ({@code maxUnsyncedBytes} 0).
 *
 * <p>A copy of a deleted volume is dropped; a renamed volume's copies follow it to its new name (both only for
 * copies acknowledged before the delete or rename was sent).
 *
 * <h2>A copy that cannot be written again</h2>
 * A copy is given up only when its caller's send guard refuses it for good (the database's lock was taken over
 * or released) or the next server fails to write it. The page then holds an older version, or a newer one that
 * nobody acknowledged yet, so its volume is marked <em>lost</em> ({@link #markLost}): from then on every request
 * that would vouch for the volume's durability fails saying why, not only the next one. A caller such as a
 * database retries a failed sync and believes a later success (PostgreSQL's "fsyncgate"): a one-time failure
 * would let its next checkpoint claim pages that were never written, and cut the log that could restore them.
 * The mark goes with the volume (a delete), follows a rename, and is forgotten when the caller that guarded the
 * volume gives it up ({@link #forgetLost}): whoever opens it next recovers from its own log.
 *
 * <p>Owner: the pager's I/O thread, like the {@link RecordTable} that holds it; {@link #bytes()} may be read from
 * any thread.
 */
final class UnsyncedWrites {

    /**
     * One kept copy: the write as it is sent again, the record it came from (whose send check, a caller's
     * guard, is asked again before the copy is), when it was last acknowledged, its place in write order.
     */
    static final class Kept {
        Op.Write write;
        final CallbackRecord origin;
        /** The table's send count when this copy was last acknowledged: barriers sent later cover it. */
        long ackedAt;
        /** The connection that last acknowledged it: when that one goes away, the copy is written again. */
        Object ackedBy;
        /** First-acknowledgement order: copies are written again in this order. */
        final long order;

        Kept(Op.Write write, CallbackRecord origin, long ackedAt, Object ackedBy, long order) {
            this.ackedBy = ackedBy;
            this.write = write;
            this.origin = origin;
            this.ackedAt = ackedAt;
            this.order = order;
        }

        boolean overlaps(Kept other) {
            Op.Write a = write;
            Op.Write b = other.write;
            return a.volume().equals(b.volume()) && a.firstPage() < b.firstPage() + b.pageCount()
                    && b.firstPage() < a.firstPage() + a.pageCount();
        }
    }

    /** Kept copies by volume name, each queue in write order. */
    private final Map<String, ArrayDeque<Kept>> byVolume = new HashMap<>();
    /** Volumes with a copy given up unwritten, and the first such loss (see the class comment). */
    private final Map<String, String> lost = new HashMap<>();
    private long nextOrder;
    private volatile long bytes;

    /** Bytes of page data kept. */
    long bytes() {
        return bytes;
    }

    boolean isEmpty() {
        return byVolume.isEmpty();
    }

    /**
     * Keeps a copy of {@code origin}'s buffered write, just acknowledged when the table's send count was
     * {@code ackedAt}. Copies the page bytes now: the caller may reuse its buffer once its future completes.
     */
    void keep(CallbackRecord origin, long ackedAt, Object ackedBy) {
        Op.Write write = (Op.Write) origin.op;
        ByteBuffer copy = ByteBuffer.allocate(write.data().remaining());
        copy.put(write.data().duplicate()).flip();
        Op.Write kept = new Op.Write(write.volume(), write.pageSize(), write.firstPage(), write.pageCount(),
                write.crcs(), copy.asReadOnlyBuffer(), false);
        byVolume.computeIfAbsent(write.volume(), v -> new ArrayDeque<>()).addLast(new Kept(kept, origin, ackedAt, ackedBy, nextOrder++));
        bytes += copy.capacity();
    }

    /**
     * A request sent at {@code sentAt} on {@code connection} forced {@code volume}: the copies that connection
     * acknowledged before are durable. Not those another connection acknowledged: its host may have died with
     * them before this force ran, and they are written again once that connection is gone.
     */
    void barrier(String volume, long sentAt, Object connection) {
        dropBefore(volume, sentAt, connection);
    }

    private void dropBefore(String volume, long sentAt, Object connection) {
        ArrayDeque<Kept> kept = byVolume.get(volume);
        if (kept == null) {
            return;
        }
        long dropped = 0;
        for (Iterator<Kept> it = kept.iterator(); it.hasNext(); ) {
            Kept k = it.next();
            if (k.ackedAt < sentAt && (connection == null || k.ackedBy == connection)) {
                dropped += k.write.data().capacity();
                it.remove();
            }
        }
        bytes -= dropped;
        if (kept.isEmpty()) {
            byVolume.remove(volume);
        }
    }

    /** {@code name} (a volume, or a directory and everything under it) was deleted by a request sent at {@code sentAt}. */
    void deleted(String name, long sentAt) {
        for (String volume : under(name)) {
            dropBefore(volume, sentAt, null); // its pages are gone with the file: nothing left to make durable
        }
        lost.keySet().removeIf(volume -> isUnder(volume, name));
    }

    /** {@code from} was renamed to {@code to} (replacing it, if it existed) by a request sent at {@code sentAt}. */
    void renamed(String from, String to, long sentAt) {
        deleted(to, sentAt); // a replaced target's copies are of a file that no longer exists
        for (String volume : List.copyOf(lost.keySet())) {
            if (isUnder(volume, from)) {
                lost.put(to + volume.substring(from.length()), lost.remove(volume));
            }
        }
        for (String volume : under(from)) {
            ArrayDeque<Kept> kept = byVolume.get(volume);
            String target = to + volume.substring(from.length());
            List<Kept> moved = new ArrayList<>();
            for (Iterator<Kept> it = kept.iterator(); it.hasNext(); ) {
                Kept k = it.next();
                if (k.ackedAt < sentAt) {
                    Op.Write w = k.write;
                    k.write = new Op.Write(target, w.pageSize(), w.firstPage(), w.pageCount(), w.crcs(), w.data(), false);
                    moved.add(k);
                    it.remove();
                }
            }
            if (kept.isEmpty()) {
                byVolume.remove(volume);
            }
            if (!moved.isEmpty()) {
                ArrayDeque<Kept> into = byVolume.computeIfAbsent(target, v -> new ArrayDeque<>());
                moved.addAll(into);
                moved.sort(Comparator.comparingLong(k -> k.order));
                into.clear();
                into.addAll(moved);
            }
        }
    }

    /** Drops one copy (its volume is gone, or it could not be written again). */
    void drop(Kept k) {
        ArrayDeque<Kept> kept = byVolume.get(k.write.volume());
        if (kept != null && kept.remove(k)) {
            bytes -= k.write.data().capacity();
            if (kept.isEmpty()) {
                byVolume.remove(k.write.volume());
            }
        }
    }

    /**
     * Drops {@code k}, which will not be written again, and marks its volume lost for good: returns the
     * account of the loss that every later durability claim of the volume fails with.
     */
    String markLost(Kept k, String why) {
        drop(k);
        Op.Write w = k.write;
        String what = "buffered write of \"" + w.volume() + "\" pages " + w.firstPage() + ".."
                + (w.firstPage() + w.pageCount() - 1) + " was acknowledged, then its server was lost before a sync, and "
                + why;
        lost.putIfAbsent(w.volume(), what);
        return what;
    }

    /** Why {@code volume}'s durability cannot be vouched for (a copy of it was given up), or null. */
    String lostReason(String volume) {
        return lost.get(volume);
    }

    /** Forgets the losses of {@code name} and everything under it: their guard's holder gave them up. */
    void forgetLost(String name) {
        lost.keySet().removeIf(volume -> isUnder(volume, name));
    }

    /**
     * Whether {@code op} names a volume with a kept copy, or a directory above one: such a request must not
     * overtake a replay of those copies (a read would see the page without them, a barrier would claim them).
     */
    boolean touches(Op op) {
        if (byVolume.isEmpty()) {
            return false;
        }
        return touches(op.volume()) || op instanceof Op.Rename rename && touches(rename.target());
    }

    private boolean touches(String name) {
        for (String volume : byVolume.keySet()) {
            if (isUnder(volume, name)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code volume} is {@code name} or lies under the directory {@code name} ("" is the root). */
    private static boolean isUnder(String volume, String name) {
        return name.isEmpty() || volume.equals(name) || volume.startsWith(name + "/");
    }

    /** Whether {@code k} is still kept (no barrier, delete or drop removed it). */
    boolean contains(Kept k) {
        ArrayDeque<Kept> kept = byVolume.get(k.write.volume());
        return kept != null && kept.contains(k);
    }

    /** Whether a copy was last acknowledged by {@code connection}. */
    boolean acknowledgedBy(Object connection) {
        for (ArrayDeque<Kept> kept : byVolume.values()) {
            for (Kept k : kept) {
                if (k.ackedBy == connection) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Every kept copy, in the order they were first acknowledged: the order to write them again in. */
    List<Kept> replayOrder() {
        List<Kept> all = new ArrayList<>();
        byVolume.values().forEach(all::addAll);
        all.sort(Comparator.comparingLong(k -> k.order));
        return all;
    }

    /** Forgets every copy and loss (the client is closing). Returns how many bytes were kept. */
    long clear() {
        long was = bytes;
        byVolume.clear();
        lost.clear();
        bytes = 0;
        return was;
    }

    private List<String> under(String name) {
        List<String> volumes = new ArrayList<>();
        for (String volume : byVolume.keySet()) {
            if (isUnder(volume, name)) {
                volumes.add(volume);
            }
        }
        return volumes;
    }

    /** Checks that the count of bytes matches the copies and every queue is non-empty and in write order. */
    void assertInvariants() {
        long sum = 0;
        for (Map.Entry<String, ArrayDeque<Kept>> e : byVolume.entrySet()) {
            if (e.getValue().isEmpty()) {
                throw new IllegalStateException("unsynced writes: empty queue kept for " + e.getKey());
            }
            long order = -1;
            for (Kept k : e.getValue()) {
                if (!k.write.volume().equals(e.getKey()) || k.order <= order) {
                    throw new IllegalStateException("unsynced writes: copy of " + k.write.volume() + " (order " + k.order
                            + ") misplaced in the queue of " + e.getKey());
                }
                order = k.order;
                sum += k.write.data().capacity();
            }
        }
        if (sum != bytes) {
            throw new IllegalStateException("unsynced writes: " + bytes + " bytes counted, " + sum + " kept");
        }
    }
}
