package org.hapager.testkit;

/**
 * A test failure reported with the seed that produced it and how to repeat it. The original failure is the
 * cause; its message comes first, so reports read as before with the seed line added.
 */
public final class SeededFailure extends AssertionError {

    private final transient Seed seed;

    public SeededFailure(Seed seed, String where, Throwable failure) {
        super(failure + "\n  " + where + " ran on " + seed + ": repeat it with " + seed.rerunHint(), failure);
        this.seed = seed;
    }

    public Seed seed() {
        return seed;
    }
}
