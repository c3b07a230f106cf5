package org.hapager.pager.record;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import org.hapager.pager.PageIoException;
import org.hapager.pager.session.ServerConnection;
import org.hapager.pager.session.Session;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.hapager.wire.Status;
import org.junit.jupiter.api.Test;

/**
 * Deterministic simulation of the record table against two simulated page servers sharing one simulated
 * storage, over a simulated network, on one thread with a simulated clock (Aeron / FoundationDB style).
 *
 * <h2>What is simulated</h2>
 * Each step picks one event at random: a caller submits a request (reads and writes of a few pages on
 * volumes {@code a}, {@code b} and sometimes {@code c}, syncs, set-lengths, creates and deletes of {@code c});
 * a server accepts a request; a server executes one against the shared storage and completes it (completion
 * and release in one message, as the real server); a server crashes after executing some of what it held
 * with the completions lost (some linger on the "network" and are delivered late, after the detach); a
 * server answers NOT_RESERVED (then its session is closed, as {@code FailoverController} does) or starts
 * draining and answers SHUTTING_DOWN to what it had not accepted; the other server takes over with a fresh
 * session ({@code table.attach}); servers restart; the clock advances, and with no server serving the table
 * expires what waited longer than the deadline. A schedule ends by healing everything and draining the table.
 *
 * <h2>What is checked</h2>
 * <ul>
 *   <li>{@link RecordTable#assertInvariants()} after every step; the table always flushes what it sends.</li>
 *   <li>Fencing: nothing is sent to, or executed by, a session that is detached, crashed or draining; a
 *       session never holds more than its max in flight.</li>
 *   <li>Ordering: a server never executes a request while an earlier conflicting request is unfinished;
 *       each page's applied versions (request ids) never go backwards on the storage, reissues included.</li>
 *   <li>Reissued records are sent before records never sent (the table's "reissued records first").</li>
 *   <li>Every caller future completes exactly once; every permit comes back; the table ends empty.</li>
 *   <li>Failures: only UNAVAILABLE, only from {@code expire}, only with no server and after the deadline; a
 *       schedule whose longest time without a server stayed within the deadline has none; and with no server,
 *       nothing still waits once the deadline has passed (nor does the table keep a detached session as
 *       current). (After a create or
 *       delete of {@code c} was abandoned, its existence is unknown and NOT_FOUND / ALREADY_EXISTS on
 *       {@code c} is tolerated.)</li>
 *   <li>Data: a read returns, page by page, the content of the latest write (or set-length / delete) submitted
 *       before it; where later such requests were abandoned, their content is also allowed (unknown outcome).
 *       At the end the storage equals the model for every page whose last write succeeded.</li>
 * </ul>
 *
 * <p>{@code -Dhapager.seed=N} fixes the master seed the schedule seeds derive from; a failure prints the
 * schedule's own seed, to replay alone with {@code -Dhapager.sim.schedule=S}. {@code -Dhapager.sim.schedules}
 * and {@code -Dhapager.sim.steps} change the amount of work.
 */
class RecordTableSimulationTest {

    private static final long MASTER_SEED = Long.getLong("hapager.seed", System.nanoTime());
    private static final Long ONE_SCHEDULE = Long.getLong("hapager.sim.schedule");
    private static final int SCHEDULES = Integer.getInteger("hapager.sim.schedules", 2_000);
    private static final int STEPS = Integer.getInteger("hapager.sim.steps", 300);

    private static final int PAGE_SIZE = 512;
    /** Pages per volume the workload touches. */
    private static final int PAGES = 12;
    private static final int MAX_PENDING = 40;
    private static final long MS = 1_000_000L;
    private static final long DEADLINE_NANOS = 1_000 * MS;
    private static final byte[] ZERO_PAGE = new byte[PAGE_SIZE];
    private static final PagerMetrics METRICS = new PagerMetrics(new SimpleMeterRegistry(), () -> 0);

    @Test
    void randomSchedulesAgainstSimulatedServers() {
        Stats stats = new Stats();
        if (ONE_SCHEDULE != null) {
            runOne(ONE_SCHEDULE, 0, stats);
            return;
        }
        SplittableRandom master = new SplittableRandom(MASTER_SEED);
        long start = System.nanoTime();
        for (int i = 0; i < SCHEDULES; i++) {
            runOne(master.nextLong(), i, stats);
        }
        System.out.printf("record table simulation: master seed %d, %d schedules x %d steps in %d ms; %s%n",
                MASTER_SEED, SCHEDULES, STEPS, (System.nanoTime() - start) / MS, stats);
        if (SCHEDULES >= 500) { // the schedules must really reach every window, or the checks prove little
            assertTrue(stats.reissuedOk > 0 && stats.lostCompletions > 0 && stats.staleDelivered > 0
                    && stats.refusedShuttingDown > 0 && stats.refusedNotReserved > 0 && stats.duplicateCreateOk > 0
                    && stats.expired > 0 && stats.schedulesWithoutFailure > SCHEDULES / 2
                    && stats.readsChecked > 0, "simulation coverage too thin: " + stats);
        }
    }

    private static void runOne(long seed, int index, Stats stats) {
        Schedule s = new Schedule(seed, stats);
        try {
            s.run();
        } catch (Throwable t) {
            throw new AssertionError("schedule " + index + " failed: " + t.getMessage()
                    + "\n  master seed " + MASTER_SEED + " (-Dhapager.seed=" + MASTER_SEED + "), schedule seed " + seed
                    + " (replay alone with -Dhapager.sim.schedule=" + seed + ")\n  last steps:\n    "
                    + String.join("\n    ", s.log), t);
        }
    }

    /** Totals over all schedules, to show (and assert) that the interesting windows were reached. */
    static final class Stats {
        long submitted, reissuedOk, lostCompletions, staleDelivered, refusedShuttingDown, refusedNotReserved,
                duplicateCreateOk, expired, crashes, readsChecked, schedulesWithoutFailure;

        @Override
        public String toString() {
            return "submitted=" + submitted + " crashes=" + crashes + " lostCompletions=" + lostCompletions
                    + " reissuedOk=" + reissuedOk + " staleDelivered=" + staleDelivered + " shuttingDown="
                    + refusedShuttingDown + " notReserved=" + refusedNotReserved + " duplicateCreateOk="
                    + duplicateCreateOk + " expired=" + expired + " readsChecked=" + readsChecked
                    + " schedulesWithoutFailure=" + schedulesWithoutFailure;
        }
    }

    // ------------------------------------------------------------------ one schedule

    private static final class Schedule {

        final long seed;
        final SplittableRandom rnd;
        final Stats stats;
        final ArrayDeque<String> log = new ArrayDeque<>();
        final List<String> violations = new ArrayList<>();

        final Semaphore permits = new Semaphore(MAX_PENDING);
        final RecordTable table = new RecordTable(permits, METRICS);
        final Storage storage = new Storage();
        final Model model = new Model();
        final SimServer[] servers = {new SimServer("A"), new SimServer("B")};
        /** Sessions not yet detached (serving or draining). */
        final List<SimSession> live = new ArrayList<>();
        /** The session last attached, until it is detached (FailoverController's {@code serving}). */
        SimSession current;
        /** Messages a crashed server sent that the network delivers late, after the detach. */
        final List<Stale> stale = new ArrayList<>();
        /** Every submitted request, by id; {@code pending} only those whose future has not completed. */
        final Map<Long, Sub> subs = new HashMap<>();
        final TreeMap<Long, Sub> pending = new TreeMap<>();

        /** The outage profile: long both-down periods, so requests expire. */
        final boolean outages;
        long now = 1_000 * MS;
        long noServerSince = now;
        long longestOutage;
        long nextId = 1;
        int sessions;
        int step;
        boolean expiring;
        int failures;

        Schedule(long seed, Stats stats) {
            this.seed = seed;
            this.rnd = new SplittableRandom(seed);
            this.stats = stats;
            this.outages = rnd.nextInt(4) == 0;
        }

        void run() {
            storage.volumes.put("a", new Vol());
            storage.volumes.put("b", new Vol());
            for (step = 0; step < STEPS; step++) {
                randomEvent();
                afterStep();
            }
            heal();
            finalChecks();
            if (failures == 0) {
                stats.schedulesWithoutFailure++;
            }
        }

        void note(String what) {
            if (log.size() == 40) {
                log.removeFirst();
            }
            log.addLast("t=" + (now / MS) + "ms #" + step + " " + what);
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
            table.assertInvariants();
            for (SimSession s : live) {
                check(s.unflushed.isEmpty(), s + " has requests sent but never flushed");
            }
        }

        // ------------------------------------------------------------------ events

        void randomEvent() {
            int roll = rnd.nextInt(100);
            if (roll < 30) {
                submit();
            } else if (roll < 40) {
                accept();
            } else if (roll < 65) {
                complete();
            } else if (roll < 68) {
                crash(servingServer());
            } else if (roll < 70) {
                crash(servers[rnd.nextInt(2)]);
            } else if (roll < 72) {
                drain();
            } else if (roll < 74) {
                notReserved();
            } else if (roll < 79) {
                refuseWhileDraining();
            } else if (roll < 86) {
                failover();
            } else if (roll < 90) {
                restart();
            } else if (roll < 92) {
                deliverStale();
            } else {
                tick();
            }
        }

        void submit() {
            if (!permits.tryAcquire()) {
                return;
            }
            long id = nextId++;
            Op op = model.randomOp(rnd, id);
            CallbackRecord r = new CallbackRecord(id, op, null, now);
            Sub sub = new Sub(r, now, model.snapshot(op));
            model.apply(op, id);
            subs.put(id, sub);
            pending.put(id, sub);
            stats.submitted++;
            r.future().whenComplete((outcome, failure) -> onDone(sub, outcome, failure));
            note("submit " + r.describe());
            table.admit(r);
            table.sendReady();
        }

        void accept() {
            SimSession s = servingSession();
            if (s == null) {
                return;
            }
            Held h = s.randomHeld(rnd, false);
            if (h != null) {
                h.accepted = true;
                note(s + " accepts " + h.id);
                table.onAccepted(s, h.id);
            }
        }

        /** A live session (serving: any request it holds; draining: an accepted one) executes and completes. */
        void complete() {
            if (live.isEmpty()) {
                return;
            }
            SimSession s = live.get(rnd.nextInt(live.size()));
            Held h = s.serving ? s.randomHeld(rnd, null) : s.randomHeld(rnd, true);
            if (h == null) {
                return;
            }
            s.held.remove(h.id);
            Message.Completion c = execute(s, h);
            note(s + " completes " + h.id + " " + c.status());
            check(table.onCompletion(s, c), "onCompletion said not executed for " + c.status());
            if (!s.serving && s.held.isEmpty()) {
                closeDrained(s);
            }
        }

        /** {@code server} dies: it executes some of what it holds first, the completions lost; then it is detached. */
        void crash(SimServer server) {
            if (server == null || !server.up) {
                return;
            }
            stats.crashes++;
            for (SimSession s : new ArrayList<>(live)) {
                if (s.server != server) {
                    continue;
                }
                for (Held h : new ArrayList<>(s.held.values())) {
                    boolean executable = s.serving || h.accepted;
                    if (executable && rnd.nextInt(3) == 0) {
                        Message.Completion lost = execute(s, h);
                        stats.lostCompletions++;
                        note(s + " executes " + h.id + " (" + lost.status() + "), completion lost");
                        if (rnd.nextBoolean()) {
                            stale.add(new Stale(s, lost));
                        }
                    } else if (rnd.nextInt(4) == 0) {
                        stale.add(new Stale(s, new Message.Accepted(h.id)));
                    }
                }
                note(s + " crashes holding " + s.held.keySet());
                detach(s);
            }
            server.up = false;
            server.draining = false;
            note("server " + server.name + " is down");
        }

        /** The serving server starts draining: it completes what it accepted and refuses the rest. */
        void drain() {
            SimSession s = servingSession();
            if (s == null) {
                return;
            }
            s.serving = false;
            s.server.draining = true;
            note(s + " starts draining, holding " + s.held.keySet());
            if (s.held.isEmpty()) {
                closeDrained(s);
            }
        }

        void refuseWhileDraining() {
            for (SimSession s : live) {
                if (!s.serving) {
                    Held h = s.randomHeld(rnd, false);
                    if (h != null) {
                        s.held.remove(h.id);
                        stats.refusedShuttingDown++;
                        note(s + " answers SHUTTING_DOWN to " + h.id);
                        check(!table.onCompletion(s, Message.Completion.failed(h.id, h.op.code(), Status.SHUTTING_DOWN, "draining")),
                                "SHUTTING_DOWN taken as executed");
                        if (s.held.isEmpty()) {
                            closeDrained(s);
                        }
                        return;
                    }
                }
            }
        }

        /** The serving server lost the storage reservation: it refuses one request and the client closes it. */
        void notReserved() {
            SimSession s = servingSession();
            if (s == null) {
                return;
            }
            Held h = s.randomHeld(rnd, null);
            if (h == null) {
                return;
            }
            s.held.remove(h.id);
            stats.refusedNotReserved++;
            note(s + " answers NOT_RESERVED to " + h.id + "; the client closes the session");
            check(!table.onCompletion(s, Message.Completion.failed(h.id, h.op.code(), Status.NOT_RESERVED, "no reservation")),
                    "NOT_RESERVED taken as executed");
            detach(s);
        }

        /** With no session serving, a fresh session to an up server that is not draining becomes current. */
        void failover() {
            if (servingSession() != null) {
                return;
            }
            List<SimServer> candidates = new ArrayList<>();
            for (SimServer server : servers) {
                if (server.up && !server.draining) {
                    candidates.add(server);
                }
            }
            if (candidates.isEmpty()) {
                return;
            }
            SimServer server = candidates.get(rnd.nextInt(candidates.size()));
            SimSession s = new SimSession(server, ++sessions, 4 + rnd.nextInt(13));
            live.add(s);
            note("attach " + s + " (max in flight " + s.params.maxInflight() + ")");
            noServerSince = 0;
            current = s;
            table.attach(s);
        }

        void restart() {
            for (SimServer server : servers) {
                if (!server.up) {
                    server.up = true;
                    note("server " + server.name + " restarts");
                    return;
                }
            }
        }

        void deliverStale() {
            if (stale.isEmpty()) {
                return;
            }
            Stale m = stale.remove(rnd.nextInt(stale.size()));
            int before = pending.size();
            stats.staleDelivered++;
            note("late " + m.message.type() + " from detached " + m.session);
            if (m.message instanceof Message.Completion c) {
                check(table.onCompletion(m.session, c), "a late completion was taken as not executed");
            } else {
                table.onAccepted(m.session, ((Message.Accepted) m.message).requestId());
            }
            check(pending.size() == before, "a late message from a detached session completed a request");
        }

        void tick() {
            boolean noneUp = !servers[0].up && !servers[1].up;
            long advance = outages && noneUp ? (100 + rnd.nextInt(400)) * MS : (1 + rnd.nextInt(5)) * MS;
            now += advance;
            if (current == null) { // as FailoverController.expireWaiting, with no server serving
                longestOutage = Math.max(longestOutage, now - noServerSince);
                expiring = true;
                try {
                    table.expire(now, noServerSince, DEADLINE_NANOS, "simulated servers A and B");
                } finally {
                    expiring = false;
                }
                for (Sub sub : pending.values()) {
                    check(sub.r.state != RecordState.QUEUED || now - Math.max(sub.submittedAt, noServerSince) <= DEADLINE_NANOS,
                            sub.r.describe() + " still waits " + (now - Math.max(sub.submittedAt, noServerSince)) / MS
                            + " ms with no server, past the deadline");
                }
            }
        }

        // ------------------------------------------------------------------ helpers

        SimSession servingSession() {
            for (SimSession s : live) {
                if (s.serving) {
                    return s;
                }
            }
            return null;
        }

        SimServer servingServer() {
            SimSession s = servingSession();
            return s == null ? null : s.server;
        }

        void detach(SimSession s) {
            s.detached = true;
            s.serving = false;
            live.remove(s);
            table.detach(s);
            if (s == current) {
                current = null;
                noServerSince = now;
                check(table.current() == null, "the table still sends on " + table.current() + " after it was detached");
            }
            table.sendReady(); // as FailoverController.onLost does: a detached draining session frees the current one
        }

        void closeDrained(SimSession s) {
            note(s + " drained; session closes, server restarts later");
            s.server.up = false;
            s.server.draining = false;
            detach(s);
        }

        /** The simulated server runs {@code h} against the shared storage (it must be allowed to). */
        Message.Completion execute(SimSession s, Held h) {
            check(!s.detached && s.server.up, "executed by " + s + " after it was detached or crashed");
            Map.Entry<Long, Sub> earlier = pending.headMap(h.id, false).entrySet().stream()
                    .filter(e -> conflicts(e.getValue().op, h.op)).findFirst().orElse(null);
            check(earlier == null, s + " executes request " + h.id + " while earlier conflicting request "
                    + (earlier == null ? "" : earlier.getKey()) + " is unfinished");
            Sub sub = subs.get(h.id);
            check(sub != null && !sub.r.future().isDone(), s + " executes request " + h.id + " which already completed");
            Message.Completion c = storage.execute(h.id, h.op, this);
            if (c.status() == Status.ALREADY_EXISTS && sub.r.outcomeUnknown) {
                sub.duplicateOfLanded = true;
            }
            return c;
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
                        check(e.kind() == PageIoException.Kind.UNAVAILABLE, "expire failed with " + e.kind());
                        check(table.current() == null, "expired while a session is current");
                        check(now - Math.max(sub.submittedAt, noServerSince) > DEADLINE_NANOS,
                                sub.r.describe() + " expired before the deadline");
                        note("expired " + sub.r.describe());
                        if (op instanceof Op.Create || op instanceof Op.Delete) {
                            model.cUncertain = true;
                        }
                    } else {
                        check(cUnknown, sub.r.describe() + " failed: " + failure);
                    }
                    return;
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
                                + ", expected one of " + allowed.stream().map(Schedule::versionOf).toList());
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

        /** Reissued records (attempts > 0) wait in front of records never sent, so one going first is a bug. */
        void checkReissuesFirst(long sentId) {
            Sub sent = subs.get(sentId);
            if (sent.r.attempts != 1) {
                return;
            }
            for (Sub other : pending.values()) {
                CallbackRecord q = other.r;
                check(!(q.state == RecordState.QUEUED && q.blockers == 0 && q.attempts > 0),
                        "request " + sentId + " was sent for the first time while reissued " + q.describe() + " waited");
            }
        }

        /** Heals every fault and completes everything left, then checks the end state. */
        void heal() {
            note("heal: restart every server, complete everything");
            stale.clear();
            for (int guard = 0; guard < 100_000 && (table.size() > 0 || live.stream().anyMatch(x -> !x.serving)); guard++) {
                for (SimServer server : servers) {
                    server.up = server.up || !server.draining;
                }
                if (servingSession() == null) {
                    failover();
                }
                boolean progress = false;
                for (SimSession s : new ArrayList<>(live)) {
                    Held h = s.serving ? s.randomHeld(rnd, null) : s.randomHeld(rnd, true);
                    if (h != null) {
                        s.held.remove(h.id);
                        Message.Completion c = execute(s, h);
                        note(s + " completes " + h.id + " " + c.status());
                        table.onCompletion(s, c);
                        progress = true;
                    } else if (!s.serving && (h = s.randomHeld(rnd, false)) != null) {
                        s.held.remove(h.id);
                        table.onCompletion(s, Message.Completion.failed(h.id, h.op.code(), Status.SHUTTING_DOWN, "draining"));
                        progress = true;
                    }
                    if (!s.serving && s.held.isEmpty() && !s.detached) {
                        closeDrained(s);
                        progress = true;
                    }
                }
                afterStep();
                if (!progress && servingSession() != null && table.size() > 0) {
                    check(false, "table stuck: " + table.size() + " requests left, none held by any server: "
                            + pending.values().stream().limit(5).map(p -> p.r.describe() + " " + p.r.state).toList());
                }
            }
            check(table.size() == 0, "table still holds " + table.size() + " requests after healing");
        }

        void finalChecks() {
            afterStep();
            check(pending.isEmpty(), pending.size() + " futures never completed, first " + (pending.isEmpty() ? "" : pending.firstEntry().getValue().r.describe()));
            check(permits.availablePermits() == MAX_PENDING, "permits " + permits.availablePermits() + " of " + MAX_PENDING + " came back");
            for (Sub sub : subs.values()) {
                check(sub.completions == 1, sub.r.describe() + " completed " + sub.completions + " times");
            }
            check(failures == 0 || longestOutage > DEADLINE_NANOS, failures + " failures though the longest time without a server was "
                    + longestOutage / MS + " ms");
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
                    byte[] expected = Model.content(volume, page, last);
                    byte[] actual = storage.read(volume, page);
                    check(Arrays.equals(expected, actual), "volume " + volume + " page " + page + " holds version "
                            + versionOf(actual) + " at the end, the model " + versionOf(expected));
                }
            }
        }

        // ------------------------------------------------------------------ simulated session

        final class SimSession implements Session {
            final SimServer server;
            final int number;
            final ServerConnection.SessionParameters params;
            final List<Message.Request> unflushed = new ArrayList<>();
            /** Requests the server received and has not answered, in arrival order. */
            final LinkedHashMap<Long, Held> held = new LinkedHashMap<>();
            boolean serving = true;
            boolean detached;

            SimSession(SimServer server, int number, int maxInflight) {
                this.server = server;
                this.number = number;
                this.params = new ServerConnection.SessionParameters(server.name, 1, number, 500 * MS, maxInflight);
            }

            @Override
            public boolean isServing() {
                return serving && !detached;
            }

            @Override
            public ServerConnection.SessionParameters parameters() {
                return params;
            }

            @Override
            public void send(Message.Request request) {
                check(serving && !detached && server.up, "request " + request.requestId() + " sent to " + this
                        + (detached ? " after it was detached" : " while it is not serving"));
                checkReissuesFirst(request.requestId());
                unflushed.add(request);
            }

            @Override
            public void flush() {
                for (Message.Request request : unflushed) {
                    check(held.put(request.requestId(), new Held(request.requestId(), request.op())) == null,
                            this + " got request " + request.requestId() + " twice");
                }
                unflushed.clear();
                check(held.size() <= params.maxInflight(), this + " holds " + held.size() + " requests, max in flight "
                        + params.maxInflight());
            }

            /** A random held request: accepted ones if {@code accepted} is true, unaccepted if false, any if null. */
            Held randomHeld(SplittableRandom random, Boolean accepted) {
                List<Held> candidates = new ArrayList<>();
                for (Held h : held.values()) {
                    if (accepted == null || h.accepted == accepted) {
                        candidates.add(h);
                    }
                }
                return candidates.isEmpty() ? null : candidates.get(random.nextInt(candidates.size()));
            }

            @Override
            public String toString() {
                return "server " + server.name + " session " + number;
            }
        }
    }

    static final class SimServer {
        final String name;
        boolean up = true;
        boolean draining;

        SimServer(String name) {
            this.name = name;
        }
    }

    static final class Held {
        final long id;
        final Op op;
        boolean accepted;

        Held(long id, Op op) {
            this.id = id;
            this.op = op;
        }
    }

    record Stale(Session session, Message message) {
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

    /** Whether two requests must run in submission order (the test's own statement of the rule). */
    static boolean conflicts(Op earlier, Op later) {
        boolean earlierRead = earlier instanceof Op.Read;
        boolean laterRead = later instanceof Op.Read;
        if ((earlierRead && laterRead) || !earlier.volume().equals(later.volume())) {
            return false;
        }
        long[] a = range(earlier);
        long[] b = range(later);
        return a[0] < b[1] && b[0] < a[1];
    }

    private static long[] range(Op op) {
        if (op instanceof Op.Read r) {
            return new long[] {r.firstPage(), r.firstPage() + r.pageCount()};
        }
        if (op instanceof Op.Write w) {
            return new long[] {w.firstPage(), w.firstPage() + w.pageCount()};
        }
        return new long[] {0, Long.MAX_VALUE};
    }

    // ------------------------------------------------------------------ model and storage

    /**
     * The model, updated at submission: per volume and page, the history of requests that set its content
     * (a write's id, or minus the id of a set-length or delete that zeroed it), and whether {@code c} exists.
     */
    static final class Model {
        final Map<String, List<Long>[]> histories = new HashMap<>();
        boolean cExists;
        /** A create or delete of {@code c} was abandoned: whether it landed is unknown. */
        boolean cUncertain;

        @SuppressWarnings("unchecked")
        List<Long> history(String volume, long page) {
            return histories.computeIfAbsent(volume, v -> {
                List<Long>[] pages = new List[PAGES];
                for (int i = 0; i < PAGES; i++) {
                    pages[i] = new ArrayList<>();
                }
                return pages;
            })[(int) page];
        }

        Op randomOp(SplittableRandom rnd, long id) {
            int roll = rnd.nextInt(100);
            if (roll < 10) {
                if (cExists) {
                    return rnd.nextBoolean() ? new Op.Delete("c") : new Op.Create("c", false);
                }
                return new Op.Create("c", rnd.nextBoolean());
            }
            String volume = cExists && rnd.nextInt(3) == 0 ? "c" : rnd.nextBoolean() ? "a" : "b";
            int first = rnd.nextInt(PAGES);
            int count = 1 + rnd.nextInt(Math.min(3, PAGES - first));
            if (roll < 45) {
                ByteBuffer data = ByteBuffer.allocate(count * PAGE_SIZE);
                for (int i = 0; i < count; i++) {
                    data.put(content(volume, first + i, id));
                }
                data.flip();
                return new Op.Write(volume, PAGE_SIZE, first, count, PageChecksums.compute(data, PAGE_SIZE, count), data);
            } else if (roll < 80) {
                return new Op.Read(volume, PAGE_SIZE, first, count);
            } else if (roll < 90) {
                return new Op.Sync(volume);
            }
            return new Op.SetLength(volume, (long) rnd.nextInt(PAGES + 1) * PAGE_SIZE);
        }

        /** For a read, per page, the length of the history it must see; null for other requests. */
        int[] snapshot(Op op) {
            if (!(op instanceof Op.Read read)) {
                return null;
            }
            int[] lengths = new int[read.pageCount()];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = history(read.volume(), read.firstPage() + i).size();
            }
            return lengths;
        }

        void apply(Op op, long id) {
            if (op instanceof Op.Write w) {
                for (int i = 0; i < w.pageCount(); i++) {
                    history(w.volume(), w.firstPage() + i).add(id);
                }
            } else if (op instanceof Op.SetLength s) {
                for (long p = s.length() / PAGE_SIZE; p < PAGES; p++) {
                    history(s.volume(), p).add(-id);
                }
            } else if (op instanceof Op.Delete d) {
                for (long p = 0; p < PAGES; p++) {
                    history(d.volume(), p).add(-id);
                }
                cExists = false;
            } else if (op instanceof Op.Create) {
                cExists = true;
            }
        }

        /**
         * What a read that saw the first {@code seen} history entries of a page may return: the content of
         * the latest entry that succeeded (zeros if none), or of any later one that was abandoned.
         */
        List<byte[]> allowedContents(String volume, long page, int seen, Map<Long, Sub> subs) {
            List<Long> history = history(volume, page);
            List<byte[]> allowed = new ArrayList<>();
            for (int i = seen - 1; i >= 0; i--) {
                long entry = history.get(i);
                allowed.add(content(volume, page, entry));
                Sub sub = subs.get(Math.abs(entry));
                if (!sub.failed) {
                    return allowed;
                }
            }
            allowed.add(ZERO_PAGE);
            return allowed;
        }

        /** A page as written by request {@code version} (zeros for 0 or a zeroing request). */
        static byte[] content(String volume, long page, long version) {
            if (version <= 0) {
                return ZERO_PAGE;
            }
            ByteBuffer b = ByteBuffer.allocate(PAGE_SIZE);
            b.putLong(version).putLong(page).put((byte) volume.charAt(0));
            while (b.hasRemaining()) {
                b.put((byte) (version * 31 + page * 7 + b.position()));
            }
            return b.array();
        }
    }

    static final class Vol {
        long lengthPages;
        final Map<Long, byte[]> pages = new HashMap<>();
    }

    /** The shared storage both servers execute against; tracks the last version applied to each page. */
    static final class Storage {
        final Map<String, Vol> volumes = new HashMap<>();
        final Map<String, Long> lastApplied = new HashMap<>();

        byte[] read(String volume, long page) {
            Vol v = volumes.get(volume);
            byte[] data = v == null || page >= v.lengthPages ? null : v.pages.get(page);
            return data == null ? ZERO_PAGE : data;
        }

        Message.Completion execute(long id, Op op, Schedule s) {
            Vol v = volumes.get(op.volume());
            if (v == null && !(op instanceof Op.Create)) {
                return Message.Completion.failed(id, op.code(), Status.NOT_FOUND, "no volume " + op.volume());
            }
            if (op instanceof Op.Read r) {
                    ByteBuffer data = ByteBuffer.allocate(r.pageCount() * PAGE_SIZE);
                    for (int i = 0; i < r.pageCount(); i++) {
                        data.put(read(r.volume(), r.firstPage() + i));
                    }
                    data.flip();
                    int[] crcs = PageChecksums.compute(data, PAGE_SIZE, r.pageCount());
                    return Message.Completion.ok(id, op.code(), new Outcome.PagesRead(v.lengthPages * PAGE_SIZE, crcs, data));
            } else if (op instanceof Op.Write w) {
                    if (PageChecksums.firstMismatch(w.data(), PAGE_SIZE, w.crcs()) >= 0) {
                        return Message.Completion.failed(id, op.code(), Status.CHECKSUM_MISMATCH, "bad page");
                    }
                    for (int i = 0; i < w.pageCount(); i++) {
                        long page = w.firstPage() + i;
                        applied(s, w.volume(), page, id);
                        byte[] bytes = new byte[PAGE_SIZE];
                        w.data().duplicate().position(i * PAGE_SIZE).get(bytes);
                        v.pages.put(page, bytes);
                    }
                    v.lengthPages = Math.max(v.lengthPages, w.firstPage() + w.pageCount());
                    return Message.Completion.ok(id, op.code(), new Outcome.PagesWritten(v.lengthPages * PAGE_SIZE));
            } else if (op instanceof Op.SetLength l) {
                    long keep = l.length() / PAGE_SIZE;
                    for (long p = keep; p < PAGES; p++) {
                        applied(s, l.volume(), p, id);
                        v.pages.remove(p);
                    }
                    v.lengthPages = keep;
                    return Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
            } else if (op instanceof Op.Delete d) {
                    for (long p = 0; p < PAGES; p++) {
                        applied(s, d.volume(), p, id);
                    }
                    volumes.remove(d.volume());
                    return Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
            } else if (op instanceof Op.Create c) {
                    if (v != null) {
                        return c.exclusive() ? Message.Completion.failed(id, op.code(), Status.ALREADY_EXISTS, "exists")
                                : Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
                    }
                    volumes.put(c.volume(), new Vol());
                    return Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
            } else if (op instanceof Op.Sync) {
                    return Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
            }
            throw new AssertionError("not generated: " + op);
        }

        /** Version {@code id} reaches a page: it must never be older than what the page already got. */
        private void applied(Schedule s, String volume, long page, long id) {
            Long previous = lastApplied.put(volume + "/" + page, id);
            s.check(previous == null || previous <= id, "volume " + volume + " page " + page + ": version " + id
                    + " applied after version " + previous);
        }
    }
}
