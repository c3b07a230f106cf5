package org.hapager.pager.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.hapager.pager.PageIoException;
import org.hapager.pager.record.CallbackRecord;
import org.hapager.pager.metrics.PagerMetrics;
import org.hapager.pager.record.RecordTable;
import org.hapager.pager.session.Connection;
import org.hapager.pager.session.ServerConnection;
import org.hapager.pager.session.SessionParameters;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.OpCode;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The failover controller on an embedded event loop whose ticker the test steps, against scripted sessions:
 * each test plays one sequence of session events and checks the controller's state, the record table and
 * every invariant after each step. No sockets, no threads, no sleeps.
 */
class FailoverControllerTest {

    private static final long DEADLINE_MS = 1_000;
    private static final InetSocketAddress A = new InetSocketAddress("127.0.0.1", 7001);
    private static final InetSocketAddress B = new InetSocketAddress("127.0.0.1", 7002);

    private final MockTicker ticker = Ticker.newMockTicker();
    private final EmbeddedChannel channel = EmbeddedChannel.builder().ticker(ticker).build();
    private final EventLoop loop = channel.eventLoop();
    private final Semaphore permits = new Semaphore(16);
    private final PagerMetrics metrics = new PagerMetrics(new SimpleMeterRegistry(), () -> 0);
    private final RecordTable table = new RecordTable(permits, 16, metrics, ticker::nanoTime);
    /** Every session the controller opened, in order. */
    private final List<Scripted> opened = new ArrayList<>();
    private final FailoverController controller = new FailoverController(List.of(A, B),
            (address, listener) -> {
                Scripted s = new Scripted(address, listener);
                opened.add(s);
                return s;
            }, table, metrics, loop, TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS));

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    /** A serving server that drains with no successor: what waits for a server fails at the deadline. */
    @Test
    void theDeadlineRunsWhileTheServingServerDrainsWithNoSuccessor() throws Exception {
        Scripted a = startServingFromA();
        a.drain();
        CompletableFuture<Outcome> write = admit(write(0));
        advance(DEADLINE_MS - 100);
        assertFalse(write.isDone(), "failed before the deadline");
        advance(200);
        assertUnavailable(write);
    }

    /** The deadline counts from when the server began to drain, not from when its drain ended. */
    @Test
    void theEndOfADrainDoesNotRestartTheDeadline() throws Exception {
        Scripted a = startServingFromA();
        a.drain();
        CompletableFuture<Outcome> write = admit(write(0));
        advance(DEADLINE_MS / 2);
        a.lose("drained");
        advance(DEADLINE_MS / 2 + 100);
        assertUnavailable(write);
    }

    @Test
    void aDrainWithTheStandbyServingMovesRequestsAtOnceAndTheOldServerFinishesItsOwn() throws Exception {
        Scripted a = startServingFromA();
        Scripted b = opened.get(1);
        b.serve();
        CompletableFuture<Outcome> first = admit(write(0));
        listenerOf(a).onAccepted(a, a.lastSentId());
        a.drain();
        assertEquals(FailoverController.State.SERVING, controller.state());
        assertSame(b, table.current());
        CompletableFuture<Outcome> second = admit(write(1));
        assertEquals(List.of(2L), b.sentIds());
        listenerOf(a).onCompletion(a, Message.Completion.ok(1, OpCode.WRITE, new Outcome.PagesWritten(4096)));
        step();
        assertTrue(first.isDone() && !first.isCompletedExceptionally(), "the draining server's accepted write completed");
        a.lose("drained");
        step();
        advance(3 * DEADLINE_MS);
        assertFalse(second.isDone(), "a request sent to a serving server expired");
        assertEquals(FailoverController.State.SERVING, controller.state());
    }

    @Test
    void aLostServerWithTheStandbyServingReissuesToItAtOnce() throws Exception {
        Scripted a = startServingFromA();
        Scripted b = opened.get(1);
        b.serve();
        CompletableFuture<Outcome> write = admit(write(0));
        assertEquals(List.of(1L), a.sentIds());
        a.lose("connection reset");
        step();
        assertEquals(FailoverController.State.SERVING, controller.state());
        assertEquals(List.of(1L), b.sentIds(), "reissued to the standby");
        assertEquals(3, opened.size(), "a new standby opened");
        assertEquals(A, opened.get(2).address);
        advance(3 * DEADLINE_MS);
        assertFalse(write.isDone());
    }

    @Test
    void aDrainThenASuccessorWithinTheDeadlineFailsNothing() throws Exception {
        Scripted a = startServingFromA();
        a.drain();
        assertEquals(FailoverController.State.DRAINING, controller.state());
        CompletableFuture<Outcome> write = admit(write(0));
        advance(DEADLINE_MS / 2);
        Scripted successor = opened.get(1); // the standby, still in its handshake, became the attempt
        assertEquals(B, successor.address);
        successor.serve();
        step();
        assertEquals(FailoverController.State.SERVING, controller.state());
        assertEquals(List.of(1L), successor.sentIds());
        advance(2 * DEADLINE_MS);
        assertFalse(write.isDone());
    }

    @Test
    void whenEveryServerRefusesRequestsFailAtTheDeadlineAndALaterServerServesNewOnes() throws Exception {
        controller.start();
        step();
        CompletableFuture<Outcome> write = admit(write(0));
        for (int i = 0; i < 6; i++) { // three rounds, pausing after each
            opened.get(opened.size() - 1).lose("connection refused");
            step();
            advance(600);
        }
        assertUnavailable(write);
        assertEquals(FailoverController.State.CONNECTING, controller.state());
        Scripted back = opened.get(opened.size() - 1);
        back.serve();
        step();
        CompletableFuture<Outcome> later = admit(write(1));
        assertEquals(List.of(2L), back.sentIds());
        assertFalse(later.isDone());
    }

    @Test
    void closeClosesEverySessionAndSupersedesLateOnes() {
        Scripted a = startServingFromA();
        Scripted b = opened.get(1);
        controller.close(new IOException("client closed"));
        step();
        assertEquals(FailoverController.State.CLOSED, controller.state());
        assertEquals(ServerConnection.State.CLOSED, a.state);
        assertEquals(ServerConnection.State.CLOSED, b.state);
        advance(1_000);
        assertEquals(2, opened.size(), "nothing reconnects after close");
    }

    // ------------------------------------------------------------------ steps

    /** Starts; A serves; B, the standby, never finishes its handshake. */
    private Scripted startServingFromA() {
        controller.start();
        step();
        Scripted a = opened.get(0);
        assertEquals(A, a.address);
        a.serve();
        assertSame(a, table.current());
        return a;
    }

    private CompletableFuture<Outcome> admit(Op op) {
        assertTrue(permits.tryAcquire());
        CallbackRecord r = new CallbackRecord(op, null);
        table.admit(r);
        table.sendReady();
        step();
        return r.future();
    }

    private void advance(long millis) {
        for (long left = millis; left > 0; left -= 10) { // in ticks, as the loop would run them
            ticker.advance(Math.min(10, left), TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            step();
        }
    }

    private void step() {
        channel.runPendingTasks();
        table.assertInvariants();
        controller.assertInvariants();
    }

    private static ServerConnection.Listener listenerOf(Scripted s) {
        return s.listener;
    }

    private static void assertUnavailable(CompletableFuture<Outcome> f) throws InterruptedException {
        assertTrue(f.isDone(), "still waiting past the deadline");
        try {
            f.get();
        } catch (ExecutionException e) {
            assertEquals(PageIoException.Kind.UNAVAILABLE, ((PageIoException) e.getCause()).kind());
            return;
        }
        throw new AssertionError("completed normally");
    }

    private static Op write(long page) {
        ByteBuffer data = ByteBuffer.allocate(4096);
        return new Op.Write("v", 4096, page, 1, PageChecksums.compute(data, 4096, 1), data);
    }

    /** A session whose events the test plays. */
    private static final class Scripted implements Connection {
        final InetSocketAddress address;
        final ServerConnection.Listener listener;
        final List<Message.Request> sent = new ArrayList<>();
        ServerConnection.State state = ServerConnection.State.CONNECTING;

        Scripted(InetSocketAddress address, ServerConnection.Listener listener) {
            this.address = address;
            this.listener = listener;
        }

        List<Long> sentIds() {
            return sent.stream().map(Message.Request::requestId).toList();
        }

        long lastSentId() {
            return sent.get(sent.size() - 1).requestId();
        }

        void serve() {
            state = ServerConnection.State.SERVING;
            listener.onServing(this);
        }

        void drain() {
            state = ServerConnection.State.DRAINING;
            listener.onDraining(this, "SIGTERM");
        }

        void lose(String why) {
            if (state != ServerConnection.State.CLOSED) {
                state = ServerConnection.State.CLOSED;
                listener.onLost(this, new IOException(this + ": " + why));
            }
        }

        @Override
        public InetSocketAddress address() {
            return address;
        }

        @Override
        public ServerConnection.State state() {
            return state;
        }

        @Override
        public void close(Throwable cause) {
            lose(cause.getMessage());
        }

        @Override
        public boolean isServing() {
            return state == ServerConnection.State.SERVING;
        }

        @Override
        public SessionParameters parameters() {
            return new SessionParameters("s" + address.getPort(), 1, 1, TimeUnit.MILLISECONDS.toNanos(500), 8);
        }

        @Override
        public void send(Message.Request request) {
            sent.add(request);
        }

        @Override
        public void flush() {
        }

        @Override
        public String toString() {
            return "scripted server " + address;
        }
    }
}
