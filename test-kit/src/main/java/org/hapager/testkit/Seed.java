package org.hapager.testkit;

import java.util.Random;
import java.util.SplittableRandom;

/**
 * The seed of one randomized test: every random choice the test makes comes from it, so a failing run can be
 * repeated exactly. There is one convention for the whole project:
 * <ul>
 *   <li>a test asks for a {@code Seed} parameter and runs with {@link SeedExtension};</li>
 *   <li>each run draws a fresh seed, unless {@code -Dhapager.seed=N} pins it (for every test of the run);</li>
 *   <li>a failure is reported with the seed and the command line that repeats it ({@link SeededFailure}).</li>
 * </ul>
 * A test that runs many independent cases (schedules, operation sequences) runs them with {@link #cases}: each
 * case has a seed of its own, a failing case is reported with that seed, and pinning it runs that case alone.
 */
public final class Seed {

    /** The system property that pins the seed: {@code mvn test -Dtest=... -Dhapager.seed=N}. */
    public static final String PROPERTY = "hapager.seed";

    private final long value;
    private final boolean pinned;

    private Seed(long value, boolean pinned) {
        this.value = value;
        this.pinned = pinned;
    }

    /** The pinned seed if {@value #PROPERTY} is set, else a fresh one. */
    public static Seed draw() {
        String text = System.getProperty(PROPERTY);
        if (text == null || text.isBlank()) {
            return new Seed(new SplittableRandom().nextLong(), false);
        }
        try {
            return new Seed(Long.parseLong(text.trim()), true);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be a decimal long, not \"" + text + "\"", e);
        }
    }

    /** A seed given by the test itself (a case's seed); it is never pinned. */
    public static Seed of(long value) {
        return new Seed(value, false);
    }

    public long value() {
        return value;
    }

    /** Whether the seed came from {@value #PROPERTY}. */
    public boolean pinned() {
        return pinned;
    }

    /** A new {@link Random} on this seed; every call starts the same sequence again. */
    public Random random() {
        return new Random(value);
    }

    /** A new {@link SplittableRandom} on this seed; every call starts the same sequence again. */
    public SplittableRandom splittable() {
        return new SplittableRandom(value);
    }

    /** The arguments that repeat a run with this seed. */
    public String rerunHint() {
        return "-D" + PROPERTY + "=" + value;
    }

    /** One case of {@link #cases}: it gets its own seed and its index among the cases. */
    @FunctionalInterface
    public interface Case {
        void run(Seed seed, int index) throws Exception;
    }

    /**
     * Runs {@code count} cases, each on a seed drawn from this one, and stops at the first that fails with a
     * {@link SeededFailure} naming that case's seed. When this seed is pinned, it runs one case on it instead:
     * the failing case of an earlier run, repeated alone.
     *
     * @return how many cases ran
     */
    public int cases(int count, Case body) {
        if (pinned) {
            runCase(this, 0, 1, body);
            return 1;
        }
        SplittableRandom seeds = splittable();
        for (int i = 0; i < count; i++) {
            runCase(of(seeds.nextLong()), i, count, body);
        }
        return count;
    }

    private static void runCase(Seed seed, int index, int count, Case body) {
        try {
            body.run(seed, index);
        } catch (SeededFailure f) {
            throw f;
        } catch (Throwable t) {
            throw new SeededFailure(seed, "case " + index + " of " + count, t);
        }
    }

    @Override
    public String toString() {
        return (pinned ? "pinned seed " : "seed ") + value;
    }
}
