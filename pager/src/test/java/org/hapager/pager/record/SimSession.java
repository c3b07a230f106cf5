package org.hapager.pager.record;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import org.hapager.pager.session.Session;
import org.hapager.pager.session.SessionParameters;
import org.hapager.wire.Message;
import org.hapager.wire.Op;

/**
 * A simulated session to a {@link SimServer}: what the table sends is checked for fencing (never to a session
 * that is detached, crashed or draining; never more than the max in flight), for reissued records first, and,
 * for the table's replays of kept buffered writes (requests that are not records), by {@link SimChecks#replaySent}.
 */
final class SimSession implements Session {
    final SimServer server;
    final int number;
    final SessionParameters params;
    final List<Message.Request> unflushed = new ArrayList<>();
    /** Requests the server received and has not answered, in arrival order. */
    final LinkedHashMap<Long, Held> held = new LinkedHashMap<>();
    boolean serving = true;
    boolean detached;
    private final SimChecks checks;

    SimSession(SimServer server, int number, int maxInflight, SimChecks checks) {
        this.server = server;
        this.number = number;
        this.params = new SessionParameters(server.name, 1, number, 500 * SimWorld.MS, maxInflight);
        this.checks = checks;
    }

    @Override
    public boolean isServing() {
        return serving && !detached;
    }

    @Override
    public SessionParameters parameters() {
        return params;
    }

    @Override
    public void send(Message.Request request) {
        checks.check(serving && !detached && server.up, "request " + request.requestId() + " sent to " + this
                + (detached ? " after it was detached" : " while it is not serving"));
        if (checks.isReplay(request.requestId())) {
            checks.replaySent(this, request);
        } else {
            checks.checkReissuesFirst(request.requestId());
        }
        unflushed.add(request);
    }

    @Override
    public void flush() {
        for (Message.Request request : unflushed) {
            checks.check(held.put(request.requestId(), new Held(request.requestId(), request.op())) == null,
                    this + " got request " + request.requestId() + " twice");
        }
        unflushed.clear();
        checks.check(held.size() <= params.maxInflight(), this + " holds " + held.size() + " requests, max in flight "
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

    /** A request the server received and has not answered yet. */
    static final class Held {
        final long id;
        final Op op;
        boolean accepted;

        Held(long id, Op op) {
            this.id = id;
            this.op = op;
        }
    }
}
