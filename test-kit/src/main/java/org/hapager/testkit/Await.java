package org.hapager.testkit;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline, for the states a test cannot be told about (another process, another
 * thread's state, a client's view of its servers). Never a fixed sleep: it returns as soon as the condition
 * holds, and fails at the deadline naming what it waited for and the state last seen. A condition may throw to
 * end the wait early (a worker that failed, a process that died).
 */
public final class Await {

    /** The deadline when a test names none: far above any wait that succeeds on a loaded machine. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    private static final long FIRST_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long LONGEST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private Await() {
    }

    public static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT_TIMEOUT, condition, () -> "");
    }

    public static void until(String what, BooleanSupplier condition, Supplier<String> state) {
        until(what, DEFAULT_TIMEOUT, condition, state);
    }

    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, condition, () -> "");
    }

    /**
     * Returns once {@code condition} holds; throws an {@link AssertionError} naming {@code what} and
     * {@code state} if it does not within {@code timeout}, or if the waiting thread is interrupted (its
     * interrupt status is kept).
     */
    public static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
        long start = System.nanoTime();
        long pause = FIRST_PAUSE_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - start > timeout.toNanos()) {
                String seen = state.get();
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what
                        + (seen.isEmpty() ? "" : ": " + seen));
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new AssertionError("interrupted while waiting for " + what);
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, LONGEST_PAUSE_NANOS);
        }
    }
}
