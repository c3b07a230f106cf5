package org.hapager.pager.record;

import static org.hapager.pager.record.SimModel.PAGES;
import static org.hapager.pager.record.SimModel.PAGE_SIZE;
import static org.hapager.pager.record.SimWorld.DEADLINE_NANOS;
import static org.hapager.pager.record.SimWorld.MAX_PENDING;
import static org.hapager.pager.record.SimWorld.MS;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hapager.pager.PageIoException;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;

/**
 * The checks of one schedule of the record table simulation: what the test knows of every submitted request
 * and the {@link SimModel} they are checked against; invariants after every step, fencing and ordering when
 * a simulated server executes, reissued records first, each future completed once and only as allowed, reads
 * against the model, and the end state.
 */
final class SimChecks {

    final SimWorld world;
    final SimStats stats;
    final SimModel model = new SimModel();
    final List<String> violations = new ArrayList<>();
    /** Every submitted request, by id; {@code pending} only those whose future has not completed. */
    final Map<Long, Sub> subs = new HashMap<>();
    final TreeMap<Long, Sub> pending = new TreeMap<>();
    /** The table is expiring what waited too long: the only place a failure may come from. */
    boolean expiring;
    int failures;

    SimChecks(SimWorld world, SimStats stats) {
        this.world = world;
        this.stats = stats;
    }

    void check(boolean ok, String what) {
        if (!ok) {
            violations.add(what);
            throw new AssertionError(what);
        }
    }

    void afterStep() {
        if (!violations.isEmpty()) {
            throw new AssertionError(violations.get(0));
        }
        world.table.assertInvariants();
        for (SimSession s : world.live) {
            check(s.unflushed.isEmpty(), s + " has requests sent but never flushed");
        }
    }

    /** {@code r} is submitted: the model is updated and its future watched. */
    void submitted(CallbackRecord r) {
        Op op = r.op();
        Sub sub = new Sub(r, world.now, model.snapshot(op));
        model.apply(op, r.id());
        subs.put(r.id(), sub);
        pending.put(r.id(), sub);
        stats.submitted++;
        r.future().whenComplete((outcome, failure) -> onDone(sub, outcome, failure));
    }

    /** Session {@code s} is about to execute {@code h}: it must be allowed to. */
    Sub checkExecutable(SimSession s, SimSession.Held h) {
        check(!s.detached && s.server.up, "executed by " + s + " after it was detached or crashed");
        Map.Entry<Long, Sub> earlier = pending.headMap(h.id, false).entrySet().stream()
                .filter(e -> SimModel.conflicts(e.getValue().op, h.op)).findFirst().orElse(null);
        check(earlier == null, s + " executes request " + h.id + " while earlier conflicting request "
                + (earlier == null ? "" : earlier.getKey()) + " is unfinished");
        Sub sub = subs.get(h.id);
        check(sub != null && !sub.r.future().isDone(), s + " executes request " + h.id + " which already completed");
        return sub;
    }

    /** Whether request {@code id} is one of the table's replays of a kept buffered write, not a record. */
    boolean isReplay(long id) {
        return !subs.containsKey(id);
    }

    /** The table sends replay {@code request} to {@code s}: a buffered write, under a request id never given. */
    void replaySent(SimSession s, Message.Request request) {
        long id = request.requestId();
        check(id > world.lastId, "replay " + id + " sent to " + s + " under an id already given (last " + world.lastId + ")");
        world.lastId = id;
        check(request.op() instanceof Op.Write w && !w.durable(), "replay " + id + " is not a buffered write: " + request.op());
        Op.Write w = (Op.Write) request.op();
        byte[] first = new byte[PAGE_SIZE];
        w.data().duplicate().get(first);
        world.note("replay " + id + " of version " + versionOf(first) + " (" + w.volume() + " pages " + w.firstPage()
                + ".." + (w.firstPage() + w.pageCount() - 1) + ") sent to " + s);
    }

    /**
     * Session {@code s} is about to execute replay {@code h}. Fencing as for records; and where it lands (its
     * volume exists), per page, the version it carries must be an acknowledged buffered write of that page, and
     * every later entry of the page's history that was acknowledged too must be a buffered write (kept, so
     * written again after this one): no replay may bring back an old version over a newer acknowledged write,
     * set-length or delete. Later entries still unfinished (reissued after the replay) or abandoned are allowed.
     */
    void checkReplay(SimSession s, SimSession.Held h) {
        check(!s.detached && s.server.up, "replay " + h.id + " executed by " + s + " after it was detached or crashed");
        Op.Write w = (Op.Write) h.op;
        if (!world.storage.volumes.containsKey(w.volume())) {
            return; // NOT_FOUND: the table drops the copy
        }
        for (int i = 0; i < w.pageCount(); i++) {
            long page = w.firstPage() + i;
            byte[] bytes = new byte[PAGE_SIZE];
            w.data().duplicate().position(i * PAGE_SIZE).get(bytes);
            long version = versionOf(bytes);
            List<Long> history = model.history(w.volume(), page);
            int at = history.lastIndexOf(version);
            Sub written = subs.get(version);
            check(at >= 0 && written != null && written.op instanceof Op.Write ww && !ww.durable()
                    && written.completions == 1 && !written.failed,
                    "replay " + h.id + " by " + s + " carries version " + version + " of " + w.volume() + " page " + page
                    + ", not an acknowledged buffered write of it");
            for (int j = at + 1; j < history.size(); j++) {
                long entry = history.get(j);
                Sub later = subs.get(Math.abs(entry));
                boolean acknowledged = later.completions == 1 && !later.failed;
                check(!acknowledged || (entry > 0 && later.op instanceof Op.Write lw && !lw.durable()),
                        "replay " + h.id + " by " + s + " brings version " + version + " back to " + w.volume() + " page "
                        + page + " after acknowledged " + later.r.describe());
            }
        }
        stats.replaysExecuted++;
    }

    /** With no server, nothing still waits once the deadline has passed. */
    void checkNothingWaitsPastDeadline() {
        long now = world.now;
        long noServerSince = world.noServerSince;
        for (Sub sub : pending.values()) {
            check(sub.r.state != RecordState.QUEUED || now - Math.max(sub.submittedAt, noServerSince) <= DEADLINE_NANOS,
                    sub.r.describe() + " still waits " + (now - Math.max(sub.submittedAt, noServerSince)) / MS
                    + " ms with no server, past the deadline");
        }
    }

    void onDone(Sub sub, Outcome outcome, Throwable failure) {
        try {
            sub.completions++;
            check(sub.completions == 1, sub.r.describe() + " completed " + sub.completions + " times");
            pending.remove(sub.r.id());
            Op op = sub.op;
            if (failure != null) {
                failures++;
                sub.failed = true;
                PageIoException e = (PageIoException) failure;
                boolean cUnknown = model.cUncertain && op.volume().equals("c")
                        && (e.kind() == PageIoException.Kind.NOT_FOUND || e.kind() == PageIoException.Kind.ALREADY_EXISTS);
                if (expiring) {
                    stats.expired++;
                    if (world.table.current() != null) {
                        stats.expiredWhileDraining++;
                    }
                    check(e.kind() == PageIoException.Kind.UNAVAILABLE, "expire failed with " + e.kind());
                    check(world.servingSession() == null, "expired while a session serves");
                    check(world.now - Math.max(sub.submittedAt, world.noServerSince) > DEADLINE_NANOS,
                            sub.r.describe() + " expired before the deadline");
                    world.note("expired " + sub.r.describe());
                    if (op instanceof Op.Create || op instanceof Op.Delete) {
                        model.cUncertain = true;
                    }
                } else {
                    check(cUnknown, sub.r.describe() + " failed: " + failure);
                }
                return;
            }
            if (op instanceof Op.Write w && !w.durable()) {
                stats.bufferedWritesOk++;
            }
            if (sub.r.attempts > 1) {
                stats.reissuedOk++;
            }
            if (sub.duplicateOfLanded) {
                stats.duplicateCreateOk++;
            }
            if (op instanceof Op.Read read && !(model.cUncertain && read.volume().equals("c"))) {
                Outcome.PagesRead pages = (Outcome.PagesRead) outcome;
                for (int i = 0; i < read.pageCount(); i++) {
                    long page = read.firstPage() + i;
                    byte[] actual = new byte[PAGE_SIZE];
                    pages.data().duplicate().position(i * PAGE_SIZE).get(actual);
                    List<byte[]> allowed = model.allowedContents(read.volume(), page, sub.readSnapshot[i], subs);
                    boolean match = allowed.stream().anyMatch(b -> Arrays.equals(b, actual));
                    check(match, sub.r.describe() + " read version " + versionOf(actual) + " of page " + page
                            + ", expected one of " + allowed.stream().map(SimChecks::versionOf).toList());
                }
                stats.readsChecked++;
            }
        } catch (Throwable t) {
            if (violations.isEmpty()) {
                violations.add(t.getMessage());
            }
        }
    }

    static long versionOf(byte[] page) {
        return ByteBuffer.wrap(page).getLong(0);
    }

    /**
     * Reissued records (attempts > 0) wait in front of records never sent, so one going first is a bug, unless
     * the reissued one waits for a replay of kept copies of its volume, which records elsewhere do not.
     */
    void checkReissuesFirst(long sentId) {
        Sub sent = subs.get(sentId);
        if (sent.r.attempts != 1) {
            return;
        }
        for (Sub other : pending.values()) {
            CallbackRecord q = other.r;
            check(!(q.state == RecordState.QUEUED && !q.isBlocked() && q.attempts > 0 && !world.table.waitsForReplay(q)),
                    "request " + sentId + " was sent for the first time while reissued " + q.describe() + " waited");
        }
    }

    void finalChecks() {
        afterStep();
        check(pending.isEmpty(), pending.size() + " futures never completed, first " + (pending.isEmpty() ? "" : pending.firstEntry().getValue().r.describe()));
        check(world.permits.availablePermits() == MAX_PENDING, "permits " + world.permits.availablePermits() + " of " + MAX_PENDING + " came back");
        for (Sub sub : subs.values()) {
            check(sub.completions == 1, sub.r.describe() + " completed " + sub.completions + " times");
        }
        check(failures == 0 || world.longestOutage > DEADLINE_NANOS, failures + " failures though the longest time without a server was "
                + world.longestOutage / MS + " ms");
        SimStorage storage = world.storage;
        for (String volume : List.of("a", "b", "c")) {
            if (volume.equals("c") && model.cUncertain) {
                continue;
            }
            if (volume.equals("c")) {
                check(storage.volumes.containsKey("c") == model.cExists, "volume c exists " + storage.volumes.containsKey("c")
                        + " on the storage, " + model.cExists + " in the model");
            }
            for (long page = 0; page < PAGES; page++) {
                List<Long> history = model.history(volume, page);
                long last = history.isEmpty() ? 0 : history.get(history.size() - 1);
                if (last != 0 && subs.get(Math.abs(last)).failed) {
                    continue; // its outcome is unknown
                }
                byte[] expected = SimModel.content(volume, page, last);
                byte[] actual = storage.read(volume, page);
                check(Arrays.equals(expected, actual), "volume " + volume + " page " + page + " holds version "
                        + versionOf(actual) + " at the end, the model " + versionOf(expected));
            }
        }
    }

    /** What the test knows of one submitted request. */
    static final class Sub {
        final CallbackRecord r;
        final Op op;
        final long submittedAt;
        /** For a read: per page, how many history entries of the model it must see. */
        final int[] readSnapshot;
        int completions;
        boolean failed;
        boolean duplicateOfLanded;

        Sub(CallbackRecord r, long submittedAt, int[] readSnapshot) {
            this.r = r;
            this.op = r.op();
            this.submittedAt = submittedAt;
            this.readSnapshot = readSnapshot;
        }
    }
}
