package org.hapager.server.reservation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hapager.server.metrics.ServerMetrics;
import org.hapager.server.session.OpExecutor;
import org.hapager.server.store.StoreException;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reservation's state machine in one JVM, over a fake store whose operations the test completes by hand. */
class ReservationTest {

    static final Op STAT = new Op.Stat("v");
    static final Holder SELF = new Holder("127.0.0.1", 7070, ProcessHandle.current().pid(), "A");

    /** Records submissions; each runs until the test completes its future. */
    static final class FakeStore implements GuardedStore {
        final BlockingQueue<CompletableFuture<Outcome>> submitted = new LinkedBlockingQueue<>();
        final AtomicInteger forgets = new AtomicInteger();
        final AtomicInteger flushes = new AtomicInteger();

        @Override
        public CompletableFuture<Outcome> submit(Op op, java.util.concurrent.Executor local) {
            CompletableFuture<Outcome> f = new CompletableFuture<>();
            submitted.add(f);
            return f;
        }

        @Override
        public void forgetOpenFiles() {
            forgets.incrementAndGet();
        }

        @Override
        public CompletableFuture<Void> flush() {
            flushes.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        }

        CompletableFuture<Outcome> next() throws InterruptedException {
            CompletableFuture<Outcome> f = submitted.poll(10, TimeUnit.SECONDS);
            assertNotNull(f, "an operation reached the store");
            return f;
        }
    }

    @TempDir
    Path dir;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final FakeStore store = new FakeStore();
    Reservation reservation;

    @BeforeEach
    void open() throws Exception {
        reservation = open(10_000);
    }

    Reservation open(long drainTimeoutMillis) throws Exception {
        Reservation r = Reservation.open(dir, store, new ServerMetrics(registry), FenceCommand.parse("false"), 500,
                drainTimeoutMillis, "0123456789abcdef0123".getBytes(StandardCharsets.US_ASCII));
        r.identify(SELF);
        return r;
    }

    @AfterEach
    void close() throws Exception {
        reservation.close();
    }

    static Status failureStatus(CompletableFuture<Outcome> f) throws InterruptedException {
        try {
            f.get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + f.join());
        } catch (ExecutionException e) {
            return assertInstanceOf(StoreException.class, e.getCause()).status();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("not completed", e);
        }
    }

    @Test
    void firstRequestTakesAFreeLockAndWritesTheHolderLine() throws Exception {
        assertEquals(Reservation.State.PASSIVE, reservation.state());
        CompletableFuture<Outcome> first = reservation.newConnectionGate().execute(STAT, null);
        store.next().complete(new Outcome.Stat(false, false, 0));
        assertEquals(new Outcome.Stat(false, false, 0), first.get(10, TimeUnit.SECONDS));
        assertEquals(Reservation.State.HOLDING, reservation.state());
        assertEquals(SELF.line() + "\n", Files.readString(dir.resolve("locks/reservation.lock")));
        assertEquals(1, store.forgets.get());
        assertEquals(1.0, registry.get("hapager.server.reservation.held").gauge().value());
        assertEquals(1, registry.get("hapager.server.fence").tag("outcome", "free").timer().count());
    }

    @Test
    void yieldRefusesNewRequestsDrainsRunningOnesThenReleases() throws Exception {
        OpExecutor gate = reservation.newConnectionGate();
        CompletableFuture<Outcome> running = gate.execute(STAT, null);
        CompletableFuture<Outcome> op = store.next();

        CompletableFuture<Message.Yielded> yielded = reservation.yieldTo(new Message.Yield("B", "test"));
        assertEquals(Reservation.State.YIELDING, reservation.state());
        assertEquals(Status.NOT_RESERVED, failureStatus(gate.execute(STAT, null)));
        assertTrue(store.submitted.isEmpty(), "a request in YIELDING is not executed");
        assertFalse(yielded.isDone(), "the yield waits for the running operation");

        op.complete(new Outcome.Stat(true, false, 1));
        running.get(10, TimeUnit.SECONDS);
        Message.Yielded answer = yielded.get(10, TimeUnit.SECONDS);
        assertTrue(answer.released(), answer.detail());
        assertEquals(Reservation.State.PASSIVE, reservation.state());
        assertEquals(1, store.flushes.get());
        assertEquals("", Files.readString(dir.resolve("locks/reservation.lock")));
        assertEquals(1.0, registry.get("hapager.server.yields").counter().count());
        assertEquals(0.0, registry.get("hapager.server.reservation.held").gauge().value());

        // the old connection does not take it back; a new one does
        assertEquals(Status.NOT_RESERVED, failureStatus(gate.execute(STAT, null)));
        CompletableFuture<Outcome> again = reservation.newConnectionGate().execute(STAT, null);
        store.next().complete(new Outcome.Stat(true, false, 1));
        again.get(10, TimeUnit.SECONDS);
        assertEquals(Reservation.State.HOLDING, reservation.state());
        assertEquals(2, store.forgets.get());
    }

    @Test
    void yieldWithoutTheReservationAnswersAtOnce() throws Exception {
        Message.Yielded answer = reservation.yieldTo(new Message.Yield("B", "test")).get(10, TimeUnit.SECONDS);
        assertFalse(answer.released());
        assertTrue(answer.detail().contains("server A does not hold the reservation") && answer.detail().contains("PASSIVE"), answer.detail());
    }

    @Test
    void drainTimeoutKeepsTheReservation() throws Exception {
        reservation.close();
        reservation = open(50);
        reservation.newConnectionGate().execute(STAT, null);
        CompletableFuture<Outcome> stuck = store.next();
        Message.Yielded answer = reservation.yieldTo(new Message.Yield("B", "test")).get(10, TimeUnit.SECONDS);
        assertFalse(answer.released());
        assertTrue(answer.detail().contains("1 storage operations still running after 50 ms"), answer.detail());
        assertEquals(Reservation.State.HOLDING, reservation.state());
        assertEquals(SELF.line() + "\n", Files.readString(dir.resolve("locks/reservation.lock")));
        stuck.complete(new Outcome.Stat(false, false, 0));
    }
}
