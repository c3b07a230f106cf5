package org.hapager.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {

    @Test
    void returnsOnceTheConditionHolds() {
        AtomicInteger polls = new AtomicInteger();
        Await.until("the third poll", () -> polls.incrementAndGet() == 3);
        assertEquals(3, polls.get());
    }

    @Test
    void failsAtTheDeadlineNamingWhatItWaitedForAndTheLastState() {
        AtomicInteger polls = new AtomicInteger();
        AssertionError e = assertThrows(AssertionError.class, () -> Await.until("a condition that never holds",
                Duration.ofMillis(30), () -> polls.incrementAndGet() < 0, () -> "polled " + polls.get() + " times"));
        assertTrue(e.getMessage().matches("timed out after 30 ms waiting for a condition that never holds: polled \\d+ times"),
                e.getMessage());
        assertTrue(polls.get() > 1, "it polls again until the deadline");
    }

    @Test
    void aConditionThatThrowsEndsTheWait() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Await.until("a worker", () -> { throw new IllegalStateException("the worker failed"); }));
        assertEquals("the worker failed", e.getMessage());
    }

    @Test
    void anInterruptEndsTheWaitAndIsKept() {
        Thread.currentThread().interrupt();
        try {
            AssertionError e = assertThrows(AssertionError.class, () -> Await.until("never", () -> false));
            assertEquals("interrupted while waiting for never", e.getMessage());
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
    }
}
