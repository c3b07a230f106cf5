package org.hapager.cli.demo;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.hapager.cli.servers.LocalPageServers;
import org.hapager.server.process.NetnsBed;
import org.hapager.server.process.PageServerProcess;
import org.hapager.workload.result.RunEvent;

/**
 * Hurts the serving page server on schedule, on its own thread, one fault after the other, the way
 * {@code DerbyFailoverTest} does: <b>kill9</b> sends SIGKILL to the server the client serves from, waits
 * for the client to move to the other one, and starts the killed one again on its port as the secondary;
 * <b>sigstop</b> freezes the serving server, waits for the server taking over to fence it (its fencing
 * command kills it) or for the resume time to pass (then SIGCONT), waits for the client to have moved, and
 * restarts it if it is gone. Each step is a {@code >>>} line. A fault whose time has come while the previous
 * one is still being handled (a restart takes seconds) waits for it: there is always a secondary to fail
 * over to.
 *
 * <p>The restart waits {@value #SETTLE_MILLIS} ms after the failover: starting a page server (a JVM, then
 * its warm-up of page writes) takes most of a small machine for a few seconds, and started at once it would
 * hide how quickly the survivor took over behind its own dip in throughput.
 */
final class FaultInjector implements Runnable {

    /** How long the client may take to leave a hurt server before the demo says so and goes on. */
    private static final long MOVE_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** How long after the failover a hurt server is started again. */
    static final long SETTLE_MILLIS = 2000;

    private final FaultPlan plan;
    private final LocalPageServers servers;
    private final MeterRegistry registry;
    private final PrintWriter out;
    private final long startNanos;
    private final List<String> problems = new ArrayList<>();
    private final List<RunEvent> events = new ArrayList<>();
    private volatile boolean stop;
    private volatile int injected;
    private volatile int fenced;
    private volatile int restarted;

    FaultInjector(FaultPlan plan, LocalPageServers servers, MeterRegistry registry, PrintWriter out, long startNanos) {
        this.plan = plan;
        this.servers = servers;
        this.registry = registry;
        this.out = out;
        this.startNanos = startNanos;
    }

    /** Ends the schedule: a fault not yet begun is not injected; one in progress finishes its step. */
    void stop() {
        stop = true;
    }

    int injected() {
        return injected;
    }

    int fenced() {
        return fenced;
    }

    int restarted() {
        return restarted;
    }

    /** What did not go as planned (a client that did not move, a restart that failed); empty if all did. */
    synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    /** {@link #problems()} once the run has ended, and the planned faults it ended before, if any. */
    List<String> problemsAtEnd() {
        List<String> all = new ArrayList<>(problems());
        if (injected < plan.faults().size()) {
            all.add((plan.faults().size() - injected) + " of the planned faults were not injected"
                    + " before the run ended (a longer --duration, or later faults)");
        }
        return all;
    }

    @Override
    public void run() {
        try {
            for (FaultPlan.Fault f : plan.faults()) {
                if (!sleepUntil(startNanos + TimeUnit.MILLISECONDS.toNanos(f.atMillis()))) {
                    return;
                }
                long late = System.nanoTime() - startNanos - TimeUnit.MILLISECONDS.toNanos(f.atMillis());
                if (late > TimeUnit.MILLISECONDS.toNanos(500)) {
                    say("%s is due (planned for %s; the previous fault's restart took until now)", f,
                            FaultPlan.seconds(f.atMillis()));
                }
                int victim = awaitServing(-1);
                if (victim < 0) {
                    problem("no server was serving at " + f + "; fault skipped");
                    continue;
                }
                switch (f.kind()) {
                    case KILL9 -> kill9(victim);
                    case SIGSTOP -> sigstop(victim, f.resumeAfterMillis());
                    case PARTITION -> partition(victim);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            problem("fault injection failed: " + e);
        }
    }

    private void kill9(int victim) throws InterruptedException {
        PageServerProcess p = servers.get(victim);
        event("kill9", "kill -9 of the serving page server %s (pid %d)", servers.key(victim), p.pid());
        long at = System.nanoTime();
        p.kill9();
        injected++;
        long moved = awaitMoved(victim, at);
        if (moved != 0) {
            restart(victim, moved);
        }
    }

    private void sigstop(int victim, long resumeAfterMillis) throws InterruptedException {
        PageServerProcess p = servers.get(victim);
        event("sigstop", "SIGSTOP of the serving page server %s (pid %d) for up to %s", servers.key(victim), p.pid(),
                FaultPlan.seconds(resumeAfterMillis));
        long at = System.nanoTime();
        p.sigstop();
        injected++;
        long resumeAt = at + TimeUnit.MILLISECONDS.toNanos(resumeAfterMillis);
        long moved = 0;
        while (p.isAlive() && System.nanoTime() - resumeAt < 0) {
            if (moved == 0 && movedFrom(victim)) {
                moved = System.nanoTime();
                sayMoved(at);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        if (!p.isAlive()) {
            fenced++;
            event("fenced", "%s was fenced (killed, %.1f s after SIGSTOP) by %s, the server that took over",
                    servers.key(victim), seconds(System.nanoTime() - at), servers.key(1 - victim));
        } else {
            p.sigcont();
            event("sigcont", "SIGCONT of %s after %s: it was still alive (not fenced)", servers.key(victim),
                    FaultPlan.seconds(resumeAfterMillis));
        }
        if (moved == 0) {
            moved = awaitMoved(victim, at);
        }
        if (moved != 0 && !p.isAlive()) {
            restart(victim, moved);
        }
    }

    /**
     * Cuts the serving server off from every other host of the bed, silently (its packets dropped on arrival, both
     * ways), waits for the client to move, then for the server to be fenced (the taker's fence agent kills it) or
     * to step down on its own (self-fencing), heals the links, and restarts it if it was killed.
     */
    private void partition(int victim) throws InterruptedException {
        NetnsBed bed = servers.bed();
        PageServerProcess p = servers.get(victim);
        String host = servers.host(victim);
        int steppedDownBefore = count(p.output(), STEPPED_DOWN);
        event("partition", "silent partition of the serving page server %s (pid %d): every packet between its host and"
                + " the others dropped", servers.key(victim), p.pid());
        long at = System.nanoTime();
        for (String other : bed.hosts()) {
            if (!other.equals(host)) {
                bed.cutBoth(host, other);
            }
        }
        injected++;
        long moved = awaitMoved(victim, at);
        while (p.isAlive() && count(p.output(), STEPPED_DOWN) == steppedDownBefore && !stop
                && System.nanoTime() - at < MOVE_DEADLINE_NANOS) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        if (!p.isAlive()) {
            fenced++;
            event("fenced", "%s was fenced (killed by the fence agent, %.1f s after the partition) by %s",
                    servers.key(victim), seconds(System.nanoTime() - at), servers.key(1 - victim));
        } else if (count(p.output(), STEPPED_DOWN) > steppedDownBefore) {
            event("stepped_down", "%s released the reservation on its own, %.1f s after the partition (its clients"
                    + " went silent)", servers.key(victim), seconds(System.nanoTime() - at));
        }
        bed.healAll();
        event("healed", "the links of %s healed", servers.key(victim));
        if (moved != 0 && !p.isAlive()) {
            restart(victim, moved);
        }
    }

    /** What a page server logs when it releases the reservation on its own. */
    private static final String STEPPED_DOWN = "on its own: ";

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** Starts server {@code victim} again, {@link #SETTLE_MILLIS} after the failover at {@code movedNanos}. */
    private void restart(int victim, long movedNanos) throws InterruptedException {
        if (!sleepUntil(movedNanos + TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS))) {
            return;
        }
        try {
            say("starting %s again …", servers.key(victim));
            long t0 = System.nanoTime();
            PageServerProcess again = servers.restart(victim);
            restarted++;
            event("restart", "restarted %s (pid %d) as the secondary, up in %.1f s", servers.key(victim), again.pid(),
                    seconds(System.nanoTime() - t0));
        } catch (RuntimeException e) {
            problem("restart of " + servers.key(victim) + " failed: " + e.getMessage());
        }
    }

    /**
     * Waits until the client serves from a server other than {@code victim}; says when. Returns the
     * {@link System#nanoTime()} it saw the move at (never 0), or 0 if it did not move in time or stopped.
     */
    private long awaitMoved(int victim, long faultNanos) throws InterruptedException {
        while (!movedFrom(victim)) {
            if (System.nanoTime() - faultNanos > MOVE_DEADLINE_NANOS || stop) {
                if (!stop) {
                    problem("the client did not leave " + servers.key(victim) + " within 30 s");
                }
                return 0;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        long now = System.nanoTime();
        sayMoved(faultNanos);
        return now == 0 ? 1 : now;
    }

    private boolean movedFrom(int victim) {
        int now = servers.serving(registry);
        return now >= 0 && now != victim;
    }

    private void sayMoved(long faultNanos) {
        event("failover", "failover: the client serves from %s, %.1f s after the fault", servers.servingName(registry),
                seconds(System.nanoTime() - faultNanos));
    }

    /** The serving server, waiting up to 10 s while there is none; -1 if none came or stopped. */
    private int awaitServing(int none) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!stop) {
            int i = servers.serving(registry);
            if (i >= 0) {
                return i;
            }
            if (System.nanoTime() - deadline > 0) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        return none;
    }

    private boolean sleepUntil(long nanos) throws InterruptedException {
        while (!stop) {
            long left = nanos - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
        }
        return false;
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, ">>> %5.1f s: ", seconds(System.nanoTime() - startNanos))
                + String.format(Locale.ROOT, format, args));
        out.flush();
    }

    /** Says it, and keeps it as an event of the run for the report's time axis. */
    private void event(String kind, String format, Object... args) {
        double at = seconds(System.nanoTime() - startNanos);
        say(format, args);
        synchronized (events) {
            events.add(new RunEvent(at, kind, String.format(Locale.ROOT, format, args)));
        }
    }

    /** The faults, failovers, fencings and restarts so far, in time order. */
    List<RunEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    private synchronized void problem(String what) {
        problems.add(what);
        say("%s", what);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
