package org.hapager.cli.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The faults of a {@code hapager chaos} campaign, drawn up front from a seed: for each, its kind, which server
 * (the one the client serves from, or the other), the gap before it and how long it lasts. The same seed,
 * kinds, mean gap and duration always give the same schedule (a {@link SplittableRandom} and
 * {@link StrictMath}, both specified to the bit), so a failing campaign is replayed with {@code --seed}.
 *
 * <p>Kinds come in rounds: each round is the chosen kinds in a random order, so any {@code k} consecutive
 * faults from the start of a round cover all {@code k} kinds (a short run sees every kind). Gaps are
 * exponential around the mean (clamped to a tenth of it and three times it); a gap is counted from the end of
 * the previous fault (its servers restarted and the client serving again), so the schedule says what happens
 * but the run's clock says when. Faults are drawn until their gaps add up to the duration: the run injects
 * fewer, since faults take time too.
 *
 * @param seed  the seed it was drawn from
 * @param faults in order, numbered from 1
 */
public record FaultSchedule(long seed, List<Fault> faults) {

    /** Shortest and longest time a killed server stays dead before its restart. */
    static final long KILL_DEAD_MIN_MILLIS = 200;
    static final long KILL_DEAD_MAX_MILLIS = 1500;
    /**
     * Shortest and longest SIGSTOP: around the client's lease (1 s by default), so some frozen servers come back
     * with SIGCONT unnoticed and others are given up, fenced by the other server and restarted.
     */
    static final long STOP_MIN_MILLIS = 300;
    static final long STOP_MAX_MILLIS = 3000;
    /**
     * Shortest and longest time both servers stay down, before they are restarted (together: each a JVM start,
     * 2-7 s on a busy 2-core machine): the whole outage stays well under the client's 30 s failover deadline, so
     * that no request may fail for it, and mostly under the 10 s expiry of Derby's database lock (a longer one is
     * reported: the lock is lost).
     */
    static final long BOTH_DOWN_MIN_MILLIS = 500;
    static final long BOTH_DOWN_MAX_MILLIS = 3000;
    /** Of the faults of one server, the share aimed at the server the client serves from (the others hit the other). */
    static final double SERVING_SHARE = 0.75;
    /** No campaign draws more faults than this. */
    static final int MAX_FAULTS = 100_000;

    /** Which server a fault is aimed at: chosen by role when it is injected, since failovers move the client. */
    public enum Target {
        /** The server the client sends to at the time. */
        SERVING,
        /** The other one. */
        OTHER,
        /** Both (a both-down fault). */
        BOTH;

        String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One fault.
     *
     * @param number    from 1
     * @param kind      what is done
     * @param target    to which server
     * @param gapMillis after the previous fault ended (or the run started)
     * @param holdMillis how long the server stays dead or frozen (both for both-down); 0 for a restart
     */
    public record Fault(int number, FaultKind kind, Target target, long gapMillis, long holdMillis) {
        /** {@code #3 +2.31s kill serving 0.80s}. */
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "#%d +%.2fs %s%s%s", number, gapMillis / 1000.0, kind.option(),
                    target == Target.BOTH ? "" : " " + target.text(),
                    holdMillis > 0 ? String.format(Locale.ROOT, " %.2fs", holdMillis / 1000.0) : "");
        }
    }

    public FaultSchedule {
        faults = List.copyOf(faults);
    }

    /**
     * Draws the schedule.
     *
     * @param kinds          the kinds to use, at least one
     * @param meanGapMillis  mean gap between faults, positive
     * @param durationMillis the run's length: faults are drawn until their gaps add up to it
     */
    public static FaultSchedule generate(long seed, Set<FaultKind> kinds, long meanGapMillis, long durationMillis) {
        return generate(seed, kinds, meanGapMillis, durationMillis, 0);
    }

    /** As {@link #generate(long, Set, long, long)}, and at least {@code minFaults} faults (the same first ones). */
    public static FaultSchedule generate(long seed, Set<FaultKind> kinds, long meanGapMillis, long durationMillis,
            int minFaults) {
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("kinds : [] (expected: at least one fault kind)");
        }
        if (meanGapMillis <= 0 || durationMillis <= 0) {
            throw new IllegalArgumentException("meanGapMillis : " + meanGapMillis + ", durationMillis : "
                    + durationMillis + " (expected: > 0)");
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<FaultKind> bag = new ArrayList<>();
        List<Fault> faults = new ArrayList<>();
        long planned = 0;
        while ((planned < durationMillis || faults.size() < minFaults) && faults.size() < MAX_FAULTS) {
            if (bag.isEmpty()) {
                bag.addAll(kinds); // EnumSet order, then shuffled: one round
                for (int i = bag.size() - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    bag.set(i, bag.set(j, bag.get(i)));
                }
            }
            FaultKind kind = bag.remove(bag.size() - 1);
            long gap = gap(random, meanGapMillis);
            Target target = kind == FaultKind.BOTH_DOWN ? Target.BOTH
                    : random.nextDouble() < SERVING_SHARE ? Target.SERVING : Target.OTHER;
            long hold = switch (kind) {
                case KILL -> between(random, KILL_DEAD_MIN_MILLIS, KILL_DEAD_MAX_MILLIS);
                case STOP -> between(random, STOP_MIN_MILLIS, STOP_MAX_MILLIS);
                case BOTH_DOWN -> between(random, BOTH_DOWN_MIN_MILLIS, BOTH_DOWN_MAX_MILLIS);
                case RESTART -> 0;
            };
            faults.add(new Fault(faults.size() + 1, kind, target, gap, hold));
            planned += gap;
        }
        return new FaultSchedule(seed, faults);
    }

    /** Exponential around {@code mean}, clamped to [mean / 10, 3 mean], in whole milliseconds. */
    private static long gap(SplittableRandom random, long mean) {
        double g = -mean * StrictMath.log(1.0 - random.nextDouble());
        return Math.max(Math.max(1, mean / 10), Math.min(3 * mean, Math.round(g)));
    }

    private static long between(SplittableRandom random, long min, long max) {
        return min + random.nextLong(max - min + 1);
    }

    /** The first {@code limit} faults, comma-separated, then {@code … (N more)} if there are more. */
    public String describe(int limit) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < Math.min(limit, faults.size()); i++) {
            parts.add(faults.get(i).toString());
        }
        String more = faults.size() > limit ? ", … (" + (faults.size() - limit) + " more)" : "";
        return String.join(", ", parts) + more;
    }

    /** Every fault, comma-separated (for the JSON result's configuration). */
    @Override
    public String toString() {
        return describe(Integer.MAX_VALUE);
    }
}
