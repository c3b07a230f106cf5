package org.hapager.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BufferBudgetTest {

    final AtomicLong clock = new AtomicLong();
    final BufferBudget budget = new BufferBudget(100, 60, 1000, clock::get);

    @Test
    void reservesUpToTheBudgetAndNoFurther() {
        assertTrue(budget.tryReserve(60));
        assertTrue(budget.tryReserve(40));
        assertFalse(budget.tryReserve(1));
        assertEquals(100, budget.usedBytes());
        budget.release(40);
        assertTrue(budget.tryReserve(40));
    }

    @Test
    void aRefusedSessionIsWokenByTheNextReleaseOnce() {
        AtomicInteger woken = new AtomicInteger();
        assertTrue(budget.reserveOrWait(90, woken::incrementAndGet));
        assertFalse(budget.reserveOrWait(20, woken::incrementAndGet));
        assertEquals(0, woken.get());
        budget.release(90);
        assertEquals(1, woken.get());
        budget.release(0);
        assertEquals(1, woken.get(), "a waiter is woken once; it registers again if it is refused again");
    }

    @Test
    void refusesABudgetSmallerThanOneConnectionsShare() {
        assertThrows(IllegalArgumentException.class, () -> new BufferBudget(10, 20, 1000, clock::get));
        assertThrows(IllegalArgumentException.class, () -> new BufferBudget(10, 10, 0, clock::get));
    }
}
