package org.hapager.pager.record;

import static org.hapager.pager.record.SimWorld.DEADLINE_NANOS;
import static org.hapager.pager.record.SimWorld.MS;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hapager.pager.record.SimChecks.Sub;
import org.hapager.pager.record.SimSession.Held;
import org.hapager.pager.record.SimWorld.Stale;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Status;

/**
 * One schedule of the record table simulation: from its seed, a sequence of random events played against the
 * {@link SimWorld} (submissions, accepts, completions, crashes, draining, NOT_RESERVED, failovers, restarts,
 * late messages, clock ticks and expiry), checked by {@link SimChecks} after every step, then everything
 * healed and the table drained.
 */
final class SimSchedule {

    final long seed;
    final int steps;
    final SplittableRandom rnd;
    final SimStats stats;
    final SimWorld world = new SimWorld();
    final SimChecks checks;

    /** The outage profile: long both-down periods, so requests expire. */
    final boolean outages;

    SimSchedule(long seed, int steps, SimStats stats) {
        this.seed = seed;
        this.steps = steps;
        this.rnd = new SplittableRandom(seed);
        this.stats = stats;
        this.checks = new SimChecks(world, stats);
        this.outages = rnd.nextInt(4) == 0;
    }

    void run() {
        world.storage.volumes.put("a", new SimStorage.Vol());
        world.storage.volumes.put("b", new SimStorage.Vol());
        for (world.step = 0; world.step < steps; world.step++) {
            randomEvent();
            checks.afterStep();
        }
        heal();
        checks.finalChecks();
        if (checks.failures == 0) {
            stats.schedulesWithoutFailure++;
        }
    }

    private void note(String what) {
        world.note(what);
    }

    private void check(boolean ok, String what) {
        checks.check(ok, what);
    }

    // ------------------------------------------------------------------ events

    void randomEvent() {
        int roll = rnd.nextInt(100);
        if (roll < 27) {
            submit();
        } else if (roll < 30) {
            submitTwoAdmittedInReverse();
        } else if (roll < 40) {
            accept();
        } else if (roll < 65) {
            complete();
        } else if (roll < 68) {
            crash(world.servingServer());
        } else if (roll < 70) {
            crash(world.servers[rnd.nextInt(2)]);
        } else if (roll < 72) {
            if (outages && rnd.nextInt(8) == 0) {
                drainPastTheDeadline();
            } else {
                drain();
            }
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
        CallbackRecord r = create(checks.model.randomOp(rnd, world.lastId + 1));
        if (r != null) {
            admit(r);
            world.table.sendReady();
        }
    }

    /**
     * Two callers create records, and the I/O thread admits them the other way round in one batch, as
     * {@code PagerClient}'s drain does: ids, and so the order conflicting requests take effect in, follow
     * admission.
     */
    void submitTwoAdmittedInReverse() {
        if (world.permits.availablePermits() < 2) {
            return;
        }
        // the model's versions are ids, so each op carries the id it will be admitted with (nothing is sent, so no
        // replay takes an id, between the two admissions); page requests only,
        // as the model decides what a namespace change on c does from the state the one before left
        CallbackRecord first = create(pageOp(world.lastId + 2));
        CallbackRecord second = create(pageOp(world.lastId + 1));
        stats.admittedInReverse++;
        admit(second);
        admit(first);
        world.table.sendReady();
    }

    /** A caller's new record of {@code op}, holding a permit; null when the in-flight bound is reached. */
    private CallbackRecord create(Op op) {
        return world.permits.tryAcquire() ? new CallbackRecord(op, null) : null;
    }

    /** A random read, write, sync or set-length, its writes carrying version {@code id}. */
    private Op pageOp(long id) {
        Op op;
        do {
            op = checks.model.randomOp(rnd, id);
        } while (op instanceof Op.Create || op instanceof Op.Delete);
        return op;
    }

    private void admit(CallbackRecord r) {
        world.table.admit(r);
        check(r.id() == world.lastId + 1, r.describe() + " got id " + r.id() + ", the last id given was " + world.lastId);
        world.lastId = r.id();
        checks.submitted(r);
        note("submit " + r.describe());
    }

    void accept() {
        SimSession s = world.servingSession();
        if (s == null) {
            return;
        }
        Held h = s.randomHeld(rnd, false);
        if (h != null) {
            h.accepted = true;
            note(s + " accepts " + h.id);
            world.table.onAccepted(s, h.id);
        }
    }

    /** A live session (serving: any request it holds; draining: an accepted one) executes and completes. */
    void complete() {
        if (world.live.isEmpty()) {
            return;
        }
        SimSession s = world.live.get(rnd.nextInt(world.live.size()));
        Held h = s.serving ? s.randomHeld(rnd, null) : s.randomHeld(rnd, true);
        if (h == null) {
            return;
        }
        s.held.remove(h.id);
        Message.Completion c = execute(s, h);
        note(s + " completes " + h.id + " " + c.status());
        check(world.table.onCompletion(s, c), "onCompletion said not executed for " + c.status());
        if (!s.serving && s.held.isEmpty()) {
            closeDrained(s);
        }
    }

    /**
     * {@code server}'s host dies: it executes some of what it holds first, the completions lost; the dirty pages
     * it wrote last are lost from the cache ({@link SimStorage#hostLost}); then its sessions are detached.
     */
    void crash(SimServer server) {
        if (server == null || !server.up) {
            return;
        }
        stats.crashes++;
        for (SimSession s : new ArrayList<>(world.live)) {
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
                        world.stale.add(new Stale(s, lost));
                    }
                } else if (rnd.nextInt(4) == 0) {
                    world.stale.add(new Stale(s, new Message.Accepted(h.id)));
                }
            }
            note(s + " crashes holding " + s.held.keySet());
        }
        int lost = world.storage.hostLost(server.name);
        stats.hostLostPages += lost;
        note("host of server " + server.name + " dies: " + lost + " dirty page(s) it wrote lost");
        for (SimSession s : new ArrayList<>(world.live)) {
            if (s.server == server) {
                detach(s);
            }
        }
        server.up = false;
        server.draining = false;
        note("server " + server.name + " is down");
    }

    /** The serving server starts draining: it completes what it accepted and refuses the rest. */
    void drain() {
        SimSession s = world.servingSession();
        if (s == null) {
            return;
        }
        s.serving = false;
        s.server.draining = true;
        world.noServerSince = world.now;
        note(s + " starts draining, holding " + s.held.keySet());
        if (s.held.isEmpty()) {
            closeDrained(s);
        }
    }

    /**
     * The serving server drains and stays open past the failover deadline with no successor: what waits for
     * it, blocked behind what it still holds or not, expires, and nothing expired is ever sent afterwards.
     */
    void drainPastTheDeadline() {
        if (world.servingSession() == null) {
            return;
        }
        drain();
        world.now += DEADLINE_NANOS + (1 + rnd.nextInt(200)) * MS;
        expire();
    }

    void refuseWhileDraining() {
        for (SimSession s : world.live) {
            if (!s.serving) {
                Held h = s.randomHeld(rnd, false);
                if (h != null) {
                    s.held.remove(h.id);
                    stats.refusedShuttingDown++;
                    note(s + " answers SHUTTING_DOWN to " + h.id);
                    check(!world.table.onCompletion(s, Message.Completion.failed(h.id, h.op.code(), Status.SHUTTING_DOWN, "draining")),
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
        SimSession s = world.servingSession();
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
        check(!world.table.onCompletion(s, Message.Completion.failed(h.id, h.op.code(), Status.NOT_RESERVED, "no reservation")),
                "NOT_RESERVED taken as executed");
        detach(s);
    }

    /** With no session serving, a fresh session to an up server that is not draining becomes current. */
    void failover() {
        if (world.servingSession() != null) {
            return;
        }
        List<SimServer> candidates = new ArrayList<>();
        for (SimServer server : world.servers) {
            if (server.up && !server.draining) {
                candidates.add(server);
            }
        }
        if (candidates.isEmpty()) {
            return;
        }
        SimServer server = candidates.get(rnd.nextInt(candidates.size()));
        SimSession s = new SimSession(server, ++world.sessions, 4 + rnd.nextInt(13), checks);
        world.live.add(s);
        note("attach " + s + " (max in flight " + s.params.maxInflight() + ")");
        world.noServerSince = 0;
        world.current = s;
        world.table.attach(s);
    }

    void restart() {
        for (SimServer server : world.servers) {
            if (!server.up) {
                server.up = true;
                note("server " + server.name + " restarts");
                return;
            }
        }
    }

    void deliverStale() {
        if (world.stale.isEmpty()) {
            return;
        }
        Stale m = world.stale.remove(rnd.nextInt(world.stale.size()));
        int before = checks.pending.size();
        stats.staleDelivered++;
        note("late " + m.message().type() + " from detached " + m.session());
        if (m.message() instanceof Message.Completion c) {
            check(world.table.onCompletion(m.session(), c), "a late completion was taken as not executed");
        } else {
            world.table.onAccepted(m.session(), ((Message.Accepted) m.message()).requestId());
        }
        check(checks.pending.size() == before, "a late message from a detached session completed a request");
    }

    void tick() {
        boolean noneUp = !world.servers[0].up && !world.servers[1].up;
        long advance = outages && noneUp ? (100 + rnd.nextInt(400)) * MS : (1 + rnd.nextInt(5)) * MS;
        world.now += advance;
        expire();
    }

    /** As FailoverController.expireWaiting: with no server serving (none, or the current one draining). */
    void expire() {
        if (world.servingSession() != null) {
            return;
        }
        world.longestOutage = Math.max(world.longestOutage, world.now - world.noServerSince);
        List<CallbackRecord> blocked = checks.pending.values().stream().map(sub -> sub.r).filter(CallbackRecord::isBlocked).toList();
        checks.expiring = true;
        try {
            world.table.expire(world.noServerSince, DEADLINE_NANOS, "simulated servers A and B");
        } finally {
            checks.expiring = false;
        }
        stats.expiredBlocked += blocked.stream().filter(r -> r.future().isDone()).count();
        checks.checkNothingWaitsPastDeadline();
    }

    // ------------------------------------------------------------------ helpers

    void detach(SimSession s) {
        boolean wasServing = s.serving;
        s.detached = true;
        s.serving = false;
        world.live.remove(s);
        world.table.detach(s);
        if (s == world.current) {
            world.current = null;
            if (wasServing) { // a draining server stopped serving when it began to drain: the outage began then
                world.noServerSince = world.now;
            }
            check(world.table.current() == null, "the table still sends on " + world.table.current() + " after it was detached");
        }
        world.table.sendReady(); // as FailoverController.onLost does: a detached draining session frees the current one
    }

    void closeDrained(SimSession s) {
        note(s + " drained; session closes, server restarts later");
        s.server.up = false;
        s.server.draining = false;
        detach(s);
    }

    /** The simulated server runs {@code h} against the shared storage (it must be allowed to). */
    Message.Completion execute(SimSession s, Held h) {
        if (checks.isReplay(h.id)) {
            checks.checkReplay(s, h);
            return world.storage.execute(h.id, h.op, s.server.name, true, checks);
        }
        Sub sub = checks.checkExecutable(s, h);
        Message.Completion c = world.storage.execute(h.id, h.op, s.server.name, false, checks);
        if (c.status() == Status.ALREADY_EXISTS && sub.r.outcomeUnknown) {
            sub.duplicateOfLanded = true;
        }
        return c;
    }

    /**
     * Heals every fault and completes everything left; then the serving server's host dies and it is healed
     * again, so that every schedule ends by losing the dirty pages of the last server (written again by the
     * table's replay to the next one).
     */
    void heal() {
        healOnce();
        crash(world.servingServer());
        healOnce();
    }

    private void healOnce() {
        note("heal: restart every server, complete everything");
        world.stale.clear();
        for (int guard = 0; guard < 100_000 && (world.table.size() > 0 || world.servingSession() == null
                || world.live.stream().anyMatch(x -> !x.serving || !x.held.isEmpty())); guard++) {
            for (SimServer server : world.servers) {
                server.up = server.up || !server.draining;
            }
            if (world.servingSession() == null) {
                failover();
            }
            boolean progress = false;
            for (SimSession s : new ArrayList<>(world.live)) {
                Held h = s.serving ? s.randomHeld(rnd, null) : s.randomHeld(rnd, true);
                if (h != null) {
                    s.held.remove(h.id);
                    Message.Completion c = execute(s, h);
                    note(s + " completes " + h.id + " " + c.status());
                    world.table.onCompletion(s, c);
                    progress = true;
                } else if (!s.serving && (h = s.randomHeld(rnd, false)) != null) {
                    s.held.remove(h.id);
                    world.table.onCompletion(s, Message.Completion.failed(h.id, h.op.code(), Status.SHUTTING_DOWN, "draining"));
                    progress = true;
                }
                if (!s.serving && s.held.isEmpty() && !s.detached) {
                    closeDrained(s);
                    progress = true;
                }
            }
            checks.afterStep();
            if (!progress && world.servingSession() != null && world.table.size() > 0) {
                check(false, "table stuck: " + world.table.size() + " requests left, none held by any server: "
                        + checks.pending.values().stream().limit(5).map(p -> p.r.describe() + " " + p.r.state).toList());
            }
        }
        check(world.table.size() == 0, "table still holds " + world.table.size() + " requests after healing");
    }
}
