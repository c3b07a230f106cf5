package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.hapager.pager.PageIoException;
import org.hapager.pager.PagerConfig;
import org.hapager.testkit.Await;
import org.junit.jupiter.api.Test;

/** Waits for pager answers: bounded, named when they end unanswered, never ended by an interrupt. */
class UninterruptibleTest {

    /** Far above every bound used here: reaching it means the wait hung. */
    private static final Duration HANG = Duration.ofSeconds(30);

    @Test
    void anAnswerThatNeverComesFailsAfterTheBoundNamingTheRequest() {
        PageIoException e = assertTimeoutPreemptively(HANG, () -> assertThrows(PageIoException.class,
                () -> Uninterruptible.await(Duration.ofMillis(200), CompletableFuture::new, "stat of /c/db/seg0/c10.dat")),
                "a future the pager never completes (a lost request) must not hang Derby's thread");
        assertEquals(PageIoException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("stat of /c/db/seg0/c10.dat: no answer from the pager within 200 ms"), e.getMessage());
        assertTrue(e.getMessage().contains("outcome is unknown"), e.getMessage());
    }

    @Test
    void anInterruptDoesNotEndTheWaitAndIsRestored() throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        Thread waiter = Thread.currentThread();
        Thread answering = new Thread(() -> {
            // answers once the waiter is parked in the wait, after interrupting it there
            Await.until("the waiter to park in the wait", () -> waiter.getState() == Thread.State.TIMED_WAITING);
            waiter.interrupt();
            answer.complete("done");
        }, "answering");
        answering.start();
        try {
            assertEquals("done", Uninterruptible.await(HANG, () -> answer, "stat of x"));
            assertTrue(Thread.interrupted(), "the interrupt is restored for Derby to act on");
        } finally {
            answering.join(HANG.toMillis());
        }
    }

    @Test
    void theBoundIsTheFailoverDeadlineTwoLeasesAndASecond() {
        PagerConfig config = PagerConfig.builder().servers(new java.net.InetSocketAddress("localhost", 1))
                .token(new byte[32]).lease(Duration.ofMillis(500)).failoverDeadline(Duration.ofSeconds(2)).build();
        assertEquals(Duration.ofMillis(4000), Uninterruptible.answerBound(config));
    }
}
