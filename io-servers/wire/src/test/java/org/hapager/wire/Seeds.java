package org.hapager.wire;

import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Seeded randomness for tests. Each random test draws a fresh seed (or the one given with
 * {@code -Dhapager.seed=N}) and any failure is rethrown with the seed in its message, so a failing run can
 * be repeated exactly.
 */
final class Seeds {

    static final String PROPERTY = "hapager.seed";

    private Seeds() {
    }

    static long seed() {
        Long fixed = Long.getLong(PROPERTY);
        return fixed != null ? fixed : new SplittableRandom().nextLong();
    }

    /** Runs {@code body} with a random source; a failure of any kind is reported with the seed. */
    static void withRandom(String what, Consumer<SplittableRandom> body) {
        long seed = seed();
        try {
            body.accept(new SplittableRandom(seed));
        } catch (Throwable t) {
            throw new AssertionError(what + " failed with seed " + seed + " (rerun with -D" + PROPERTY + "=" + seed
                    + "): " + t, t);
        }
    }
}
