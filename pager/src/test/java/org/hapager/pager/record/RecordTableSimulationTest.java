package org.hapager.pager.record;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deterministic simulation of the record table against two simulated page servers sharing one simulated
 * storage, over a simulated network, on one thread with a simulated clock (Aeron / FoundationDB style).
 *
 * <h2>What is simulated</h2>
 * Each step picks one event at random: a caller submits a request (reads and writes of a few pages on
 * volumes {@code a}, {@code b} and sometimes {@code c}, half the writes buffered, syncs, set-lengths, creates
 * and deletes of {@code c});
 * a server accepts a request; a server executes one against the shared storage and completes it (completion
 * and release in one message, as the real server); a server crashes after executing some of what it held
 * with the completions lost (some linger on the "network" and are delivered late, after the detach), and its
 * host's dirty pages are lost with it ({@link SimStorage}: a cluster file system, disk plus one coherent cache
 * of dirty pages, each remembering its writer); a
 * server answers NOT_RESERVED (then its session is closed, as {@code FailoverController} does) or starts
 * draining and answers SHUTTING_DOWN to what it had not accepted; the other server takes over with a fresh
 * session ({@code table.attach}); servers restart; the clock advances, and with no server serving the table
 * expires what waited longer than the deadline. The table's replays of kept buffered writes (requests that are
 * not records) are held, accepted, executed, refused, lost and delivered late like records. A schedule ends by
 * healing everything and draining the table, then losing the last serving server's host and healing again.
 *
 * <h2>What is checked</h2>
 * <ul>
 *   <li>{@link RecordTable#assertInvariants()} after every step; the table always flushes what it sends.</li>
 *   <li>Fencing: nothing is sent to, or executed by, a session that is detached, crashed or draining; a
 *       session never holds more than its max in flight.</li>
 *   <li>Ordering: a server never executes a request while an earlier conflicting request is unfinished;
 *       each page's applied versions (the record id its content carries) never go backwards on the storage,
 *       reissues included.</li>
 *   <li>Replays: sent under request ids never given, only buffered writes; where one lands, per page, it carries
 *       an acknowledged buffered write, and no write, set-length or delete of the page acknowledged after it
 *       other than buffered writes (kept, so written again after it): no old version comes back.</li>
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
 *       At the end the storage equals the model for every page whose last write succeeded. With the host
 *       losses, these two are what proves that no acknowledged write, buffered or durable, is lost.</li>
 * </ul>
 *
 * <p>Each schedule has a seed of its own, drawn from the test's ({@link Seed#cases}); a failure prints that
 * seed, and {@code -Dhapager.seed=S} replays that schedule alone. {@code -Dhapager.sim.schedules}
 * and {@code -Dhapager.sim.steps} change the amount of work.
 *
 * <p>The simulation is split by responsibility: {@link SimSchedule} generates and plays one schedule's events;
 * {@link SimWorld}, {@link SimServer}, {@link SimSession} and {@link SimStorage} are the simulated world and
 * servers; {@link SimModel} and {@link SimChecks} are the model and the checks; {@link SimStats} the totals.
 */
@ExtendWith(SeedExtension.class)
class RecordTableSimulationTest {

    private static final int SCHEDULES = Integer.getInteger("hapager.sim.schedules", 2_000);
    private static final int STEPS = Integer.getInteger("hapager.sim.steps", 300);

    @Test
    void randomSchedulesAgainstSimulatedServers(Seed seed) {
        SimStats stats = new SimStats();
        long start = System.nanoTime();
        int ran = seed.cases(SCHEDULES, (scheduleSeed, index) -> runOne(scheduleSeed.value(), stats));
        System.out.printf("record table simulation: %s, %d schedules x %d steps in %d ms; %s%n",
                seed, ran, STEPS, (System.nanoTime() - start) / SimWorld.MS, stats);
        if (ran >= 500) { // the schedules must really reach every window, or the checks prove little
            assertTrue(stats.reissuedOk > 0 && stats.lostCompletions > 0 && stats.staleDelivered > 0
                    && stats.refusedShuttingDown > 0 && stats.refusedNotReserved > 0 && stats.duplicateCreateOk > 0
                    && stats.expired > 0 && stats.expiredBlocked > 0 && stats.expiredWhileDraining > 0
                    && stats.admittedInReverse > 0 && stats.schedulesWithoutFailure > ran / 2
                    && stats.readsChecked > 0 && stats.bufferedWritesOk > 0 && stats.hostLostPages > 0
                    && stats.replaysExecuted > 0, "simulation coverage too thin: " + stats);
        }
    }

    private static void runOne(long seed, SimStats stats) {
        SimSchedule s = new SimSchedule(seed, STEPS, stats);
        try {
            s.run();
        } catch (Throwable t) {
            throw new AssertionError(t.getMessage() + "\n  last steps:\n    " + String.join("\n    ", s.world.log), t);
        }
    }
}
