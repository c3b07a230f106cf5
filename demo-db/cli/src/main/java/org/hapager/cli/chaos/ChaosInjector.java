package org.hapager.cli.chaos;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hapager.cli.servers.LocalPageServers;
import org.hapager.server.process.PageServerProcess;
import org.hapager.workload.result.RunEvent;

/**
 * Runs a {@link FaultSchedule} against the embedded pair of page servers, one fault after the other, on its
 * own thread. Before each fault it waits out the fault's gap, then for the pair to be whole again (both
 * processes alive, the client serving from one); a server found dead that it did not kill (it exited by
 * itself, e.g. fenced) is said so and restarted. Then:
 * <ul>
 *   <li><b>kill</b>: SIGKILL of the target; if the client served from it, waits for the failover; restarts
 *   it once it has been dead for the fault's time;</li>
 *   <li><b>stop</b>: SIGSTOP of the target for the fault's time, then SIGCONT; if the other server fenced it
 *   (killed it) meanwhile, restarts it instead;</li>
 *   <li><b>both-down</b>: SIGKILL of both, both restarted after the fault's time; the outage (kill to the
 *   second restart) is kept, see {@link #outages()};</li>
 *   <li><b>restart</b>: SIGTERM of the target while requests are in flight (it drains and exits), restarted
 *   at once.</li>
 * </ul>
 * Each step is a {@code >>>} line and an event of the run. {@link #stop()} ends the schedule: a fault under
 * way finishes (its servers are restarted), no further one begins. What did not go as it should (a client
 * that did not leave a dead server within {@value #MOVE_DEADLINE_SECONDS} s, a pair not whole again within
 * {@value #WHOLE_DEADLINE_SECONDS} s, a restart that failed) is a problem: the campaign fails.
 *
 * <p>Threads: {@link #run} on the injector's thread; the counters, events and problems are read by the
 * command's thread (guarded by {@code this}, or volatile).
 */
final class ChaosInjector implements Runnable {

    /** How long the client may take to leave a server that was killed, stopped or drained. */
    static final long MOVE_DEADLINE_SECONDS = 30;
    /** How long the pair may take to be whole again (both alive, the client serving) before the next fault. */
    static final long WHOLE_DEADLINE_SECONDS = 60;
    /** How long a server given SIGTERM may take to drain and exit. */
    private static final Duration DRAIN_WAIT = Duration.ofSeconds(20);

    private final FaultSchedule schedule;
    private final LocalPageServers servers;
    private final MeterRegistry registry;
    private final PrintWriter out;
    private final long startNanos;

    private volatile boolean stop;
    /** The schedule is over: every fault injected, or the campaign stopped on a problem. */
    private volatile boolean finished;
    /** Faults injected, by kind. */
    private final Map<FaultKind, Integer> injected = new EnumMap<>(FaultKind.class);
    private final List<RunEvent> events = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    /** Both-down outages, {from, to} in seconds since the start: the kill to the second restart. */
    private final List<double[]> outages = new ArrayList<>();
    private volatile int fenced;
    private volatile int exitedByThemselves;

    ChaosInjector(FaultSchedule schedule, LocalPageServers servers, MeterRegistry registry, PrintWriter out,
            long startNanos) {
        this.schedule = schedule;
        this.servers = servers;
        this.registry = registry;
        this.out = out;
        this.startNanos = startNanos;
    }

    /** Ends the schedule: a fault under way finishes, none begins. */
    void stop() {
        stop = true;
    }

    @Override
    public void run() {
        try {
            for (FaultSchedule.Fault f : schedule.faults()) {
                if (!pause(f.gapMillis()) || !awaitWhole("fault " + f)) {
                    return;
                }
                inject(f);
            }
            say("the schedule is done: all %d faults injected", schedule.faults().size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            problem("fault injection failed: " + e);
        } finally {
            finished = true;
        }
    }

    /** No further fault will be injected: the schedule is done, or stopped. */
    boolean finished() {
        return finished;
    }

    private void inject(FaultSchedule.Fault f) throws InterruptedException {
        switch (f.kind()) {
            case KILL -> kill(f);
            case STOP -> freeze(f);
            case BOTH_DOWN -> bothDown(f);
            case RESTART -> drainAndRestart(f);
        }
    }

    private void kill(FaultSchedule.Fault f) throws InterruptedException {
        int victim = pick(f.target());
        PageServerProcess p = servers.get(victim);
        boolean serving = servers.serving(registry) == victim;
        long at = System.nanoTime();
        event("kill9", "#%d kill -9 of the %s page server %s (pid %d), dead for %s", f.number(), role(serving),
                servers.key(victim), p.pid(), seconds(f.holdMillis()));
        count(FaultKind.KILL);
        kill9(p);
        if (serving) {
            awaitMoved(victim, at);
        }
        sleepUntil(at + TimeUnit.MILLISECONDS.toNanos(f.holdMillis()));
        restart(victim);
    }

    private void freeze(FaultSchedule.Fault f) throws InterruptedException {
        int victim = pick(f.target());
        PageServerProcess p = servers.get(victim);
        boolean serving = servers.serving(registry) == victim;
        long at = System.nanoTime();
        event("sigstop", "#%d SIGSTOP of the %s page server %s (pid %d) for %s", f.number(), role(serving),
                servers.key(victim), p.pid(), seconds(f.holdMillis()));
        count(FaultKind.STOP);
        try {
            p.sigstop();
        } catch (RuntimeException e) {
            if (p.isAlive()) {
                throw e;
            } // it exited just before (fenced): the loop below sees it dead and restarts it
        }
        long resumeAt = at + TimeUnit.MILLISECONDS.toNanos(f.holdMillis());
        while (p.isAlive() && System.nanoTime() - resumeAt < 0) {
            TimeUnit.MILLISECONDS.sleep(10);
        }
        if (sigcont(p)) {
            event("sigcont", "#%d SIGCONT of %s after %s: it was not fenced", f.number(), servers.key(victim),
                    seconds(f.holdMillis()));
        } else {
            fenced++;
            event("fenced", "#%d %s was fenced (killed %.2f s after SIGSTOP) by %s, the server that took over",
                    f.number(), servers.key(victim), secondsSince(at), servers.key(1 - victim));
            if (serving) {
                awaitMoved(victim, at);
            }
            restart(victim);
        }
    }

    private void bothDown(FaultSchedule.Fault f) throws InterruptedException {
        int first = Math.max(0, servers.serving(registry));
        long at = System.nanoTime();
        double from = secondsSince(startNanos);
        event("both_down", "#%d kill -9 of both page servers, %s (pid %d) and %s (pid %d), down for %s", f.number(),
                servers.key(first), servers.get(first).pid(), servers.key(1 - first), servers.get(1 - first).pid(),
                seconds(f.holdMillis()));
        count(FaultKind.BOTH_DOWN);
        kill9(servers.get(first));
        kill9(servers.get(1 - first));
        sleepUntil(at + TimeUnit.MILLISECONDS.toNanos(f.holdMillis()));
        // both at once: a server start takes seconds on a busy machine, and the outage lasts until the first is up
        long[] upNanos = new long[2]; // when each restart returned; read after the join
        Thread other = new Thread(() -> {
            restart(1 - first);
            upNanos[1] = System.nanoTime();
        }, "hapager-chaos-restart");
        other.start();
        try {
            restart(first);
            upNanos[0] = System.nanoTime();
        } finally {
            other.join(TimeUnit.SECONDS.toMillis(120));
            double to = secondsSince(startNanos);
            synchronized (this) {
                outages.add(new double[] {from, to});
            }
            long firstUp = Math.min(upNanos[0] == 0 ? Long.MAX_VALUE : upNanos[0] - at,
                    upNanos[1] == 0 ? Long.MAX_VALUE : upNanos[1] - at);
            say("#%d both page servers restarted, %.2f s after they went down (the first back after %s)", f.number(),
                    to - from, firstUp == Long.MAX_VALUE ? "-" : String.format(Locale.ROOT, "%.2f s", firstUp / 1e9));
        }
    }

    private void drainAndRestart(FaultSchedule.Fault f) throws InterruptedException {
        int victim = pick(f.target());
        PageServerProcess p = servers.get(victim);
        boolean serving = servers.serving(registry) == victim;
        long at = System.nanoTime();
        event("sigterm", "#%d SIGTERM of the %s page server %s (pid %d) with requests in flight: it drains and exits,"
                + " then starts again", f.number(), role(serving), servers.key(victim), p.pid());
        count(FaultKind.RESTART);
        try {
            int code = p.sigterm(DRAIN_WAIT);
            say("#%d %s drained and exited (code %d) in %.2f s", f.number(), servers.key(victim), code, secondsSince(at));
        } catch (IllegalStateException e) {
            problem("#" + f.number() + " " + servers.key(victim) + " did not exit within " + DRAIN_WAIT.toSeconds()
                    + " s of SIGTERM; killed");
            kill9(p);
        }
        restart(victim);
    }

    /**
     * SIGKILL, and waits for the exit; a process that has exited meanwhile (fenced by the other server, which
     * kills the holder it takes over from) needs nothing more.
     */
    static void kill9(PageServerProcess p) {
        try {
            p.kill9();
        } catch (RuntimeException e) {
            if (p.isAlive()) {
                throw e;
            }
        }
    }

    /**
     * SIGCONT; false if the process had exited (the other server fenced it just before: a race with the end of
     * the freeze, seen in a campaign as {@code kill -CONT PID failed: No such process}).
     */
    static boolean sigcont(PageServerProcess p) {
        if (!p.isAlive()) {
            return false;
        }
        try {
            p.sigcont();
            return true;
        } catch (RuntimeException e) {
            if (p.isAlive()) {
                throw e;
            }
            return false;
        }
    }

    /** The server a fault aims at: the one the client serves from (or 0 if none), or the other. */
    private int pick(FaultSchedule.Target target) {
        int serving = Math.max(0, servers.serving(registry));
        return target == FaultSchedule.Target.OTHER ? 1 - serving : serving;
    }

    private void restart(int index) {
        long t0 = System.nanoTime();
        try {
            PageServerProcess again = servers.restart(index);
            event("restart", "restarted %s (pid %d), up in %.2f s", servers.key(index), again.pid(), secondsSince(t0));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem("interrupted restarting " + servers.key(index));
        } catch (RuntimeException e) {
            problem("restart of " + servers.key(index) + " failed: " + e.getMessage());
        }
    }

    /**
     * Waits until both servers are alive and the client serves from one, restarting a server that exited by
     * itself; false (a problem) if that takes more than {@value #WHOLE_DEADLINE_SECONDS} s, or if stopped.
     */
    private boolean awaitWhole(String before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WHOLE_DEADLINE_SECONDS);
        while (!stop) {
            for (int i = 0; i < 2; i++) {
                PageServerProcess p = servers.get(i);
                if (!p.isAlive()) {
                    exitedByThemselves++;
                    event("exited", "%s (pid %d) had exited by itself (code %d); restarting it", servers.key(i), p.pid(),
                            p.exitCode());
                    restart(i);
                    if (!servers.get(i).isAlive()) {
                        return false; // the failed restart is the problem
                    }
                }
            }
            if (servers.get(0).isAlive() && servers.get(1).isAlive() && servers.serving(registry) >= 0) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                problem("the pair was not whole (both servers alive, the client serving) within "
                        + WHOLE_DEADLINE_SECONDS + " s, before " + before + "; the campaign stops");
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        return false;
    }

    /**
     * After the run: restarts any server that is not alive (a fault cut short, or one that exited by itself),
     * so that the checks and the recovery run on a whole pair. Returns false if one could not be restarted.
     */
    boolean restoreServers() {
        boolean ok = true;
        for (int i = 0; i < 2; i++) {
            PageServerProcess p = servers.get(i);
            if (p.isAlive()) {
                continue;
            }
            exitedByThemselves++;
            event("exited", "%s (pid %d) had exited by itself (code %d); restarting it for the checks", servers.key(i),
                    p.pid(), p.exitCode());
            try {
                PageServerProcess again = servers.restart(i);
                event("restart", "restarted %s (pid %d) for the checks", servers.key(i), again.pid());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (RuntimeException e) {
                problem("restart of " + servers.key(i) + " for the checks failed: " + e.getMessage());
                ok = false;
            }
        }
        return ok;
    }

    /** Waits until the client serves from a server other than {@code victim}; a problem if it does not in time. */
    private void awaitMoved(int victim, long faultNanos) throws InterruptedException {
        while (true) {
            int now = servers.serving(registry);
            if (now >= 0 && now != victim) {
                say("failover: the client serves from %s, %.2f s after the fault", servers.key(now),
                        secondsSince(faultNanos));
                return;
            }
            if (System.nanoTime() - faultNanos > TimeUnit.SECONDS.toNanos(MOVE_DEADLINE_SECONDS)) {
                problem("the client did not leave " + servers.key(victim) + " within " + MOVE_DEADLINE_SECONDS + " s");
                return;
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    /** Waits {@code millis} unless stopped first; true if the time passed. */
    private boolean pause(long millis) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!stop) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
        }
        return false;
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long left = nanos - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private synchronized void count(FaultKind kind) {
        injected.merge(kind, 1, Integer::sum);
    }

    /** Faults injected of {@code kind}. */
    synchronized int injected(FaultKind kind) {
        return injected.getOrDefault(kind, 0);
    }

    /** Faults injected, all kinds. */
    synchronized int injected() {
        return injected.values().stream().mapToInt(Integer::intValue).sum();
    }

    int fenced() {
        return fenced;
    }

    /** Servers found dead before a fault that the injector had not killed (they exited by themselves). */
    int exitedByThemselves() {
        return exitedByThemselves;
    }

    /** The faults' events (kill9, sigstop, sigcont, fenced, both_down, sigterm, restart, exited), in time order. */
    synchronized List<RunEvent> events() {
        return List.copyOf(events);
    }

    /** What did not go as it should; empty if everything did. */
    synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    /** The both-down outages so far, {from, to} in seconds since the start. */
    synchronized List<double[]> outages() {
        return List.copyOf(outages);
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, ">>> %6.1f s: ", secondsSince(startNanos))
                + String.format(Locale.ROOT, format, args));
        out.flush();
    }

    private void event(String kind, String format, Object... args) {
        double at = secondsSince(startNanos);
        say(format, args);
        synchronized (this) {
            events.add(new RunEvent(at, kind, String.format(Locale.ROOT, format, args)));
        }
    }

    private void problem(String what) {
        synchronized (this) {
            problems.add(what);
        }
        say("PROBLEM: %s", what);
    }

    private static String role(boolean serving) {
        return serving ? "serving" : "standby";
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }
}
