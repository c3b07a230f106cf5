package org.hapager.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hapager.server.fault.FaultPoint;
import org.hapager.server.metrics.ServerMetrics;
import org.hapager.server.session.SessionHandler.Admitted;
import org.hapager.wire.FrameDecoder;
import org.hapager.wire.FrameEncoder;
import org.hapager.wire.HandshakeProof;
import org.hapager.wire.Message;
import org.hapager.wire.MessageCodec;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.Protocol;
import org.hapager.wire.WireLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The rules of {@link ConnectionBackpressure}, each on its own: on bare {@link EmbeddedChannel}s (the connection's
 * part alone) or, where a rule needs a whole session (a close, an eviction), on a {@link SessionHandler}. All
 * channels share one {@link MockTicker}, so time moves only when a test advances it, and the same for every
 * connection. Budget: 1024 bytes, all of which one connection may hold; a one-page read costs 768, a STAT 256.
 */
class ConnectionBackpressureTest {

    static final long BUDGET = 1024;
    static final long STALL_MILLIS = 100;
    static final Op READ = new Op.Read("v", 512, 0, 1);
    static final Op STAT = new Op.Stat("v");

    final MockTicker ticker = Ticker.newMockTicker();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final BufferBudget budget = new BufferBudget(BUDGET, BUDGET, STALL_MILLIS, ticker::nanoTime);
    final Sessions sessions = new Sessions(new ServerMetrics(registry), budget);
    final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeChannels() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    // ------------------------------------------------------------------ a bare connection

    /** A connection's part alone: forwards writability changes to it as {@link SessionHandler} does. */
    final class Conn extends ChannelInboundHandlerAdapter {
        final List<Admitted> started = new ArrayList<>();
        boolean closed;
        final ConnectionBackpressure bp = new ConnectionBackpressure(sessions, WireLimits.DEFAULT, () -> closed,
                () -> 1L, started::add);
        final EmbeddedChannel ch;
        long nextId;

        Conn() {
            ch = EmbeddedChannel.builder().handlers(this).ticker(ticker).build();
            channels.add(ch);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            bp.attach(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            bp.updateReading();
            ctx.fireChannelWritabilityChanged();
        }

        Admitted submit(Op op) {
            Admitted a = new Admitted(++nextId, op, FaultPoint.NONE, bp.cost(op));
            bp.submit(a);
            return a;
        }

        /** What SessionHandler does once a completion is flushed: give its bytes back, start what now fits. */
        void completionFlushed(Admitted a) {
            bp.releaseRequest(a);
            bp.runPending();
        }

        boolean reading() {
            return ch.config().isAutoRead();
        }

        void writable(boolean writable) {
            ch.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
            ch.runPendingTasks(); // Netty may fire the change from a task
            assertEquals(writable, ch.isWritable());
        }
    }

    double pausedSessions() {
        return registry.get("hapager.server.paused.sessions").gauge().value();
    }

    @Test
    void requestsThatDoNotFitWaitAndStartInArrivalOrderAsCompletionsReleaseBytes() {
        Conn c = new Conn();
        Admitted a = c.submit(READ);
        Admitted b = c.submit(READ);
        Admitted s = c.submit(STAT); // 768 + 256 would fit, but it arrived after b
        assertEquals(768, a.cost());
        assertEquals(256, s.cost());
        assertEquals(List.of(a), c.started, "b does not fit beside a, and s waits behind b");
        assertEquals(2, c.bp.waiting());
        assertEquals(768, budget.usedBytes(), "only a started request holds budget");

        c.completionFlushed(a);
        assertEquals(List.of(a, b, s), c.started, "b, then s, start once a's bytes are back");
        assertEquals(0, c.bp.waiting());
        assertEquals(BUDGET, budget.usedBytes());

        c.completionFlushed(b);
        c.completionFlushed(s);
        assertEquals(0, budget.usedBytes(), "every byte goes back to the budget");
    }

    @Test
    void aRequestWaitingForTheServersBudgetStartsOnItsOwnEventLoopOnceAnotherConnectionReleases() {
        Conn x = new Conn();
        Conn y = new Conn();
        Admitted held = x.submit(READ);
        Admitted waiting = y.submit(READ);
        assertTrue(y.started.isEmpty(), "768 + 768 exceed the server's 1024");
        assertFalse(y.reading(), "a connection whose request waits for the budget is not read");

        x.completionFlushed(held);
        assertTrue(y.started.isEmpty(), "the release only wakes y: it starts on its own event loop");
        y.ch.runPendingTasks();
        assertEquals(List.of(waiting), y.started);
        assertTrue(y.reading());
        assertEquals(768, budget.usedBytes());
        y.completionFlushed(waiting);
        assertEquals(0, budget.usedBytes());
    }

    @Test
    void theSocketIsReadOnlyWhileWritableAndNoRequestWaits() {
        Conn c = new Conn();
        Admitted a = c.submit(READ);
        assertTrue(c.reading());
        assertFalse(c.bp.paused());

        Admitted b = c.submit(READ);
        assertFalse(c.reading(), "b waits for the budget");
        assertTrue(c.bp.paused());
        assertEquals(1, pausedSessions());

        c.writable(false);
        c.completionFlushed(a);
        assertEquals(List.of(a, b), c.started);
        assertFalse(c.reading(), "nothing waits any more, but the client does not take its answers");
        assertEquals(1, pausedSessions());

        c.writable(true);
        assertTrue(c.reading(), "writable and nothing waiting: read again");
        assertFalse(c.bp.paused());
        assertEquals(0, pausedSessions());

        c.writable(false);
        assertFalse(c.reading(), "unwritable alone pauses reading");
        c.writable(true);
        assertTrue(c.reading());
        c.completionFlushed(b);
    }

    @Test
    void aLongFrameHoldsItsLengthOfTheBudgetAndWaitsForRoomWithReadingPaused() {
        Conn c = new Conn();
        Admitted a = c.submit(READ);
        assertFalse(c.bp.admit(512), "768 held, 512 more do not fit in 1024");
        assertFalse(c.reading(), "a frame without room stops the reading");
        assertEquals(768, budget.usedBytes(), "a refused frame holds nothing");

        c.completionFlushed(a);
        c.ch.runPendingTasks(); // the wake-up hops onto the connection's event loop
        assertTrue(c.bp.admit(512), "the release made room");
        assertTrue(c.reading());
        assertEquals(512, budget.usedBytes(), "the frame holds its length until decoded");

        Conn other = new Conn();
        other.submit(READ);
        assertTrue(other.started.isEmpty(), "the frame's bytes count against every connection");

        c.bp.release(512);
        assertEquals(0, budget.usedBytes());
        other.ch.runPendingTasks();
        assertEquals(1, other.started.size());
    }

    @Test
    void closeHandsOverTheRequestsNotStartedInOrderWhileStartedOnesKeepTheirBytesUntilReleased() {
        Conn c = new Conn();
        Admitted a = c.submit(READ);
        Admitted b = c.submit(READ);
        Admitted s = c.submit(STAT);
        assertEquals(1, pausedSessions());

        c.closed = true;
        List<Admitted> notStarted = new ArrayList<>();
        c.bp.close(notStarted::add);
        assertEquals(List.of(b, s), notStarted);
        assertEquals(0, c.bp.waiting());
        assertFalse(c.bp.paused());
        assertEquals(0, pausedSessions(), "a closed connection no longer counts as paused");
        assertEquals(768, budget.usedBytes(), "a, started, holds its bytes until its completion is dropped");

        c.completionFlushed(a);
        assertEquals(List.of(a), c.started, "what close handed over is never started");
        assertEquals(0, budget.usedBytes());
    }

    // ------------------------------------------------------------------ whole sessions

    static final byte[] TOKEN = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    final MessageCodec codec = new MessageCodec(WireLimits.DEFAULT);
    final HandshakeProof proof = new HandshakeProof(TOKEN);
    final List<CompletableFuture<Outcome>> operations = new ArrayList<>();

    /** An authenticated session whose operations complete when the test completes them. */
    EmbeddedChannel session() {
        SessionSettings settings = new SessionSettings("test-server", proof, 60_000, 8, 60_000, WireLimits.DEFAULT);
        OpExecutor executor = (op, eventLoop) -> {
            CompletableFuture<Outcome> f = new CompletableFuture<>();
            operations.add(f);
            return f;
        };
        EmbeddedChannel ch = EmbeddedChannel.builder().ticker(ticker).handlers(FrameDecoder.forHandshake(codec),
                new FrameEncoder(codec), new SessionHandler(settings, executor, YieldHandler.NOT_HOLDING, sessions))
                .build();
        channels.add(ch);
        byte[] nonce = HandshakeProof.newNonce();
        send(ch, new Message.Hello(Protocol.MAGIC, Protocol.MIN_VERSION, Protocol.MAX_VERSION, nonce, "test"));
        Message.Challenge challenge = assertInstanceOf(Message.Challenge.class, next(ch));
        send(ch, new Message.Auth(proof.clientProof(challenge.version(), nonce, challenge.serverNonce()), 60_000));
        assertInstanceOf(Message.AuthOk.class, next(ch));
        return ch;
    }

    void send(EmbeddedChannel ch, Message m) {
        SessionHandlerTest.send(ch, codec, m);
    }

    Message next(EmbeddedChannel ch) {
        return SessionHandlerTest.next(ch, codec);
    }

    @Test
    void aClosedSessionGivesBackEveryByteOnceItsRunningRequestsEnd() {
        EmbeddedChannel ch = session();
        send(ch, new Message.Request(1, READ));
        send(ch, new Message.Request(2, READ));
        send(ch, new Message.Request(3, STAT));
        assertEquals(1, operations.size(), "only the first fits; the others wait for the budget");
        assertFalse(ch.config().isAutoRead());
        assertEquals(3, sessions.inflight());

        ch.close();
        assertEquals(1, sessions.inflight(), "the two never started are released at the close");
        assertEquals(768, budget.usedBytes(), "the running one still holds its bytes");
        assertEquals(0, pausedSessions());

        operations.get(0).complete(new Outcome.Stat(true, false, 10));
        ch.runPendingTasks();
        assertEquals(1, operations.size(), "nothing was started after the close");
        assertEquals(0, sessions.inflight());
        assertEquals(0, budget.usedBytes(), "its dropped completion gave the last bytes back");
    }

    @Test
    void aSessionWaitingForTheBudgetEvictsOneWhoseAnswersWentUnreadForTheStallTimeout() {
        EmbeddedChannel stalled = session();
        send(stalled, new Message.Request(1, READ));
        assertEquals(1, operations.size());
        stalled.runPendingTasks();
        stalled.unsafe().outboundBuffer().setUserDefinedWritability(1, false); // its client stops reading answers
        stalled.runPendingTasks();

        Conn waiting = new Conn();
        Admitted w = waiting.submit(READ);
        assertTrue(waiting.started.isEmpty());

        long evictedAtMillis = -1;
        for (long ms = 1; ms <= 4 * STALL_MILLIS && evictedAtMillis < 0; ms++) {
            ticker.advance(1, TimeUnit.MILLISECONDS);
            waiting.ch.runScheduledPendingTasks(); // its look for stalled connections
            stalled.runPendingTasks(); // the eviction hops onto the stalled session's event loop
            if (!stalled.isOpen()) {
                evictedAtMillis = ms;
            }
        }
        assertTrue(evictedAtMillis >= STALL_MILLIS, "evicted after " + evictedAtMillis + " ms, before the timeout");
        assertTrue(evictedAtMillis <= STALL_MILLIS + STALL_MILLIS / 4 + 1, "evicted only after " + evictedAtMillis + " ms");
        assertEquals(1.0, registry.get("hapager.server.rejected.connections").tag("reason", "stalled").counter().count());

        operations.get(0).complete(new Outcome.Stat(true, false, 10)); // its completion is dropped: bytes back
        waiting.ch.runPendingTasks();
        assertEquals(List.of(w), waiting.started, "the evicted session's budget went to the waiting one");
        assertEquals(768, budget.usedBytes());
    }

    @Test
    void aSessionHoldingBudgetWhileItsAnswersAreReadIsNotEvicted() {
        EmbeddedChannel slow = session();
        send(slow, new Message.Request(1, READ)); // a long operation, but the client reads its answers
        Conn waiting = new Conn();
        waiting.submit(READ);
        assertTrue(waiting.started.isEmpty());

        for (int ms = 1; ms <= 4 * STALL_MILLIS; ms++) {
            ticker.advance(1, TimeUnit.MILLISECONDS);
            waiting.ch.runScheduledPendingTasks();
            slow.runPendingTasks();
        }
        assertTrue(slow.isOpen(), "a slow operation is not a stall");
        assertTrue(waiting.started.isEmpty());
    }
}
