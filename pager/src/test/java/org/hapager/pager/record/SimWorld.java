package org.hapager.pager.record;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.hapager.pager.metrics.PagerMetrics;
import org.hapager.pager.session.Session;
import org.hapager.wire.Message;

/**
 * The simulated world of one schedule of the record table simulation: the table under test and its permits,
 * the two simulated servers and their live sessions, the shared storage, the simulated network's late
 * messages, the simulated clock, and the log of the last steps.
 */
final class SimWorld {

    static final int MAX_PENDING = 40;
    static final long MS = 1_000_000L;
    static final long DEADLINE_NANOS = 1_000 * MS;
    static final PagerMetrics METRICS = new PagerMetrics(new SimpleMeterRegistry(), () -> 0);

    final ArrayDeque<String> log = new ArrayDeque<>();

    final Semaphore permits = new Semaphore(MAX_PENDING);
    final RecordTable table = new RecordTable(permits, MAX_PENDING, METRICS, () -> this.now);
    final SimStorage storage = new SimStorage();
    final SimServer[] servers = {new SimServer("A"), new SimServer("B")};
    /** Sessions not yet detached (serving or draining). */
    final List<SimSession> live = new ArrayList<>();
    /** The session last attached, until it is detached (FailoverController's {@code serving}). */
    SimSession current;
    /** Messages a crashed server sent that the network delivers late, after the detach. */
    final List<Stale> stale = new ArrayList<>();

    /** The last request id the table gave, to a record or to a replay (both take the next one). */
    long lastId;
    long now = 1_000 * MS;
    long noServerSince = now;
    long longestOutage;
    int sessions;
    int step;

    void note(String what) {
        if (log.size() == 40) {
            log.removeFirst();
        }
        log.addLast("t=" + (now / MS) + "ms #" + step + " " + what);
    }

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

    /** A message of {@code session} the network delivers late. */
    record Stale(Session session, Message message) {
    }
}
