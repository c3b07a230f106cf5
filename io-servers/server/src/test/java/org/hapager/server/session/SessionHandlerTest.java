package org.hapager.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hapager.server.metrics.ServerMetrics;
import org.hapager.server.store.StoreException;
import org.hapager.wire.FrameDecoder;
import org.hapager.wire.FrameEncoder;
import org.hapager.wire.HandshakeProof;
import org.hapager.wire.Message;
import org.hapager.wire.MessageCodec;
import org.hapager.wire.Op;
import org.hapager.wire.OpCode;
import org.hapager.wire.Outcome;
import org.hapager.wire.Protocol;
import org.hapager.wire.Status;
import org.hapager.wire.WireLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The session state machine over an {@link EmbeddedChannel}: no sockets, no threads; time moves only with
 * {@code advanceTimeBy}, and operations complete when the test completes their futures.
 */
class SessionHandlerTest {

    static final byte[] TOKEN = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final int LEASE_MAX_MILLIS = 2000;
    static final int HANDSHAKE_TIMEOUT_MILLIS = 1000;
    static final int MAX_INFLIGHT = 2;

    final MessageCodec codec = new MessageCodec(WireLimits.DEFAULT);
    final HandshakeProof proof = new HandshakeProof(TOKEN);
    static final byte[] PEER_TOKEN = "peer-token-0123456789abcdef01234".getBytes(StandardCharsets.US_ASCII);
    final HandshakeProof peerProof = HandshakeProof.forPeers(PEER_TOKEN);
    static final int MAX_UNAUTHENTICATED = 3;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final Sessions sessions = new Sessions(new ServerMetrics(registry));
    final List<CompletableFuture<Outcome>> operations = new ArrayList<>();
    /** When set, operations complete at once with it, within the read that brought them (inline page I/O). */
    Outcome completeAtOnce;
    /** When set, an operation completes with it from a task it queues on the session's event loop. */
    Outcome completeOnEventLoop;
    EmbeddedChannel channel;
    byte[] clientNonce;
    Message.Challenge challenge;

    @BeforeEach
    void connect() {
        channel = newChannel();
    }

    /** A connection as the server makes it: handshake-bounded decoder, encoder, session; its clock frozen. */
    EmbeddedChannel newChannel() {
        SessionSettings settings = new SessionSettings("test-server", proof, peerProof, LEASE_MAX_MILLIS, MAX_INFLIGHT,
                HANDSHAKE_TIMEOUT_MILLIS, MAX_UNAUTHENTICATED, WireLimits.DEFAULT, org.hapager.server.fault.FaultPoints.NONE);
        OpExecutor executor = (op, eventLoop) -> {
            if (completeAtOnce != null) {
                return CompletableFuture.completedFuture(completeAtOnce);
            }
            if (completeOnEventLoop != null) {
                // as a durable write forced by a task on the session's event loop after the read
                Outcome outcome = completeOnEventLoop;
                CompletableFuture<Outcome> f = new CompletableFuture<>();
                eventLoop.execute(() -> f.complete(outcome));
                return f;
            }
            CompletableFuture<Outcome> f = new CompletableFuture<>();
            operations.add(f);
            return f;
        };
        EmbeddedChannel ch = new EmbeddedChannel(FrameDecoder.forHandshake(codec), new FrameEncoder(codec),
                new SessionHandler(settings, executor, YieldHandler.NOT_HOLDING, sessions));
        ch.freezeTime();
        return ch;
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    void send(Message m) {
        send(channel, codec, m);
    }

    Message next() {
        return next(channel, codec);
    }

    /** Writes {@code m} as one frame into {@code ch}'s inbound side. */
    static void send(EmbeddedChannel ch, MessageCodec codec, Message m) {
        ByteBuf buf = Unpooled.buffer();
        codec.encodeFrame(m, buf);
        ch.writeInbound(buf);
    }

    /** The next frame {@code ch} wrote, decoded, after running its pending tasks; null if none. */
    static Message next(EmbeddedChannel ch, MessageCodec codec) {
        ch.runPendingTasks();
        ByteBuf out = ch.readOutbound();
        if (out == null) {
            return null;
        }
        try {
            out.skipBytes(Protocol.LENGTH_FIELD_BYTES);
            return codec.decode(out);
        } finally {
            out.release();
        }
    }

    Message.Hello hello(int magic, int min, int max) {
        clientNonce = HandshakeProof.newNonce();
        return new Message.Hello(magic, min, max, clientNonce, "test");
    }

    Message.AuthOk authenticate(int leaseMillis) {
        return authenticate(proof, leaseMillis);
    }

    /** The handshake with {@code as}: the client token's proofs, or the peer token's. */
    Message.AuthOk authenticate(HandshakeProof as, int leaseMillis) {
        send(hello(Protocol.MAGIC, Protocol.MIN_VERSION, Protocol.MAX_VERSION));
        challenge = assertInstanceOf(Message.Challenge.class, next());
        assertEquals("test-server", challenge.serverId());
        send(new Message.Auth(as.clientProof(challenge.version(), clientNonce, challenge.serverNonce()), leaseMillis));
        Message.AuthOk ok = assertInstanceOf(Message.AuthOk.class, next());
        assertTrue(HandshakeProof.matches(as.serverProof(challenge.version(), clientNonce, challenge.serverNonce()),
                ok.serverProof()));
        return ok;
    }

    void expectError(int code, String reasonPart) {
        Message.Error error = assertInstanceOf(Message.Error.class, next());
        assertEquals(code, error.code(), error.text());
        assertTrue(error.text().contains(reasonPart), error.text());
        channel.runPendingTasks();
        assertFalse(channel.isOpen(), "the connection is closed after ERROR");
    }

    double rejected(String reason) {
        var counter = registry.find("hapager.server.rejected.connections").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void handshakeGrantsAClampedLeaseAndServes() {
        Message.AuthOk ok = authenticate(5);
        assertEquals(SessionSettings.LEASE_MIN_MILLIS, ok.leaseMillis());
        assertEquals(MAX_INFLIGHT, ok.maxInflight());
        assertEquals(WireLimits.DEFAULT.maxFrameBytes(), ok.maxFrameBytes());

        send(new Message.Heartbeat(7));
        assertEquals(new Message.HeartbeatAck(7), next());
        send(new Message.Request(42, new Op.Stat("v")));
        assertEquals(new Message.Accepted(42), next());
        assertNull(next(), "nothing more until the operation completes");
        assertEquals(1, sessions.inflight());
        operations.get(0).complete(new Outcome.Stat(true, false, 10));
        assertEquals(Message.Completion.ok(42, OpCode.STAT, new Outcome.Stat(true, false, 10)), next());
        assertEquals(0, sessions.inflight());
    }

    /** A request completed within the read that brought it is answered with its COMPLETION alone: one frame. */
    @Test
    void aRequestCompletedWithinItsReadGetsNoSeparateAccepted() {
        authenticate(1000);
        completeAtOnce = new Outcome.Stat(true, false, 10);
        send(new Message.Request(5, new Op.Stat("v")));
        assertEquals(Message.Completion.ok(5, OpCode.STAT, completeAtOnce), next());
        assertNull(next(), "no ACCEPTED after its completion");
        completeAtOnce = null;
        send(new Message.Request(6, new Op.Stat("v")));
        assertEquals(new Message.Accepted(6), next(), "one still running at the end of the read is announced");
    }

    /**
     * A request completed by a task its operation queued on the event loop during the read (a durable write whose
     * force runs there) is answered with its COMPLETION alone, like one completed within the read.
     */
    @Test
    void aRequestCompletedByATaskOfItsReadGetsNoSeparateAccepted() {
        authenticate(1000);
        completeOnEventLoop = new Outcome.Stat(true, false, 10);
        send(new Message.Request(8, new Op.Stat("v")));
        assertEquals(Message.Completion.ok(8, OpCode.STAT, completeOnEventLoop), next());
        assertNull(next(), "no ACCEPTED after its completion");
    }

    @Test
    void leaseRequestAboveTheMaximumIsClamped() {
        assertEquals(LEASE_MAX_MILLIS, authenticate(1_000_000).leaseMillis());
    }

    @Test
    void storeFailuresBecomeFailedCompletions() {
        authenticate(1000);
        send(new Message.Request(1, new Op.Read("v", 512, 0, 1)));
        assertEquals(new Message.Accepted(1), next());
        operations.get(0).completeExceptionally(new StoreException(Status.NOT_FOUND, "volume v does not exist"));
        assertEquals(Message.Completion.failed(1, OpCode.READ, Status.NOT_FOUND, "volume v does not exist"), next());
    }

    /**
     * A fenced server answers nothing: a request accepted before the fence gets no completion, neither a failure
     * (the caller would see it) nor a success, and the connection closes without an ERROR frame, so the client
     * reissues. A connection arriving after the fence is closed at once.
     */
    @Test
    void aFencedServerClosesWithoutAnsweringAcceptedRequests() {
        authenticate(1000);
        send(new Message.Request(1, new Op.Write("v", 512, 0, 1, new int[] {0}, ByteBuffer.allocate(512))));
        send(new Message.Request(2, new Op.Stat("v")));
        assertEquals(new Message.Accepted(1), next());
        assertEquals(new Message.Accepted(2), next());

        sessions.fence();
        operations.get(0).completeExceptionally(new StoreException(Status.IO_ERROR, "force of volume v failed"));
        operations.get(1).complete(new Outcome.Stat(true, false, 10));
        assertNull(next(), "nothing is answered after the fence");
        assertFalse(channel.isOpen(), "the fence closes the connection");
        assertEquals(0, sessions.inflight(), "the dropped completions released their requests");

        EmbeddedChannel late = new EmbeddedChannel(new SessionHandler(new SessionSettings("test-server", proof,
                LEASE_MAX_MILLIS, MAX_INFLIGHT, HANDSHAKE_TIMEOUT_MILLIS, WireLimits.DEFAULT), (op, eventLoop) -> new CompletableFuture<>(),
                YieldHandler.NOT_HOLDING, sessions));
        assertFalse(late.isOpen(), "a connection accepted after the fence is closed at once");
        assertEquals(0, sessions.size());
        late.finishAndReleaseAll();
    }

    @Test
    void wrongMagicIsAProtocolError() {
        send(hello(0x12345678, 1, 1));
        expectError(Message.Error.PROTOCOL, "bad magic");
        assertEquals(1, rejected("protocol"));
    }

    @Test
    void noCommonVersionIsAVersionError() {
        send(hello(Protocol.MAGIC, Protocol.MAX_VERSION + 1, Protocol.MAX_VERSION + 5));
        expectError(Message.Error.VERSION, "versions");
        assertEquals(1, rejected("version"));
    }

    @Test
    void wrongProofFailsAuthentication() {
        send(hello(Protocol.MAGIC, 1, 1));
        assertInstanceOf(Message.Challenge.class, next());
        send(new Message.Auth(new byte[HandshakeProof.PROOF_BYTES], 1000));
        expectError(Message.Error.AUTH_FAILED, "proof");
        assertEquals(1, rejected("auth"));
    }

    @Test
    void requestBeforeAuthIsRefused() {
        send(hello(Protocol.MAGIC, 1, 1));
        assertInstanceOf(Message.Challenge.class, next());
        send(new Message.Request(1, new Op.Stat("v")));
        expectError(Message.Error.PROTOCOL, "REQUEST while awaiting AUTH");
        assertTrue(operations.isEmpty(), "nothing is executed before authentication");
    }

    @Test
    void secondHelloIsRefused() {
        authenticate(1000);
        send(hello(Protocol.MAGIC, 1, 1));
        expectError(Message.Error.PROTOCOL, "HELLO is not allowed");
    }

    @Test
    void serverMessagesFromAClientAreRefused() {
        authenticate(1000);
        send(Message.Completion.ok(1, OpCode.SYNC, Outcome.Done.INSTANCE));
        expectError(Message.Error.PROTOCOL, "COMPLETION is not allowed");
    }

    @Test
    void oversizedFrameClosesTheConnection() {
        authenticate(1000);
        channel.writeInbound(Unpooled.buffer().writeInt(WireLimits.DEFAULT.maxFrameBytes() + 1).writeByte(10));
        expectError(Message.Error.PROTOCOL, "exceeds maxFrameBytes");
    }

    /**
     * Found by {@link SessionHandshakeFuzzTest} (input {@code crash-yielded-sent-after-error}): a YIELD and a bad
     * frame in one read. The YIELDED answer hops back to the event loop, so it ran after the bad frame's ERROR
     * and went out on the closing connection: a frame after ERROR, from a session already CLOSED.
     */
    @Test
    void yieldAnswerIsNotSentAfterAProtocolError() {
        authenticate(peerProof, 1000);
        ByteBuf yieldThenBadFrame = Unpooled.buffer();
        codec.encodeFrame(new Message.Yield("peer", "client lost its primary"), yieldThenBadFrame);
        yieldThenBadFrame.writeInt(0); // a frame of length 0
        channel.writeInbound(yieldThenBadFrame);
        expectError(Message.Error.PROTOCOL, "frame length 0");
        assertNull(next(), "nothing is sent after ERROR");
    }

    @Test
    void yieldFromAClientIsRefused() {
        authenticate(1000);
        send(new Message.Yield("peer", "client lost its primary"));
        expectError(Message.Error.PROTOCOL, "YIELD is accepted only from a page server");
        assertEquals(1, rejected("not_a_peer"));
    }

    @Test
    void aPeerAuthenticatesWithThePeerTokenAndMayYield() {
        authenticate(peerProof, 1000);
        send(new Message.Yield("peer", "client lost its primary"));
        Message.Yielded yielded = assertInstanceOf(Message.Yielded.class, next());
        assertFalse(yielded.released(), "NOT_HOLDING never yields");
        assertTrue(channel.isOpen());
    }

    @Test
    void beforeAuthenticationAFrameOverTheHandshakeBoundIsRefusedFromItsPrefix() {
        channel.writeInbound(Unpooled.buffer().writeInt(WireLimits.DEFAULT.maxFrameBytes()).writeByte(1));
        expectError(Message.Error.PROTOCOL, "exceeds the handshake bound " + Protocol.MAX_HANDSHAKE_FRAME_BYTES);
    }

    @Test
    void pastTheCapTheOldestConnectionAwaitingAuthenticationIsClosed() {
        List<EmbeddedChannel> more = new ArrayList<>();
        try {
            for (int i = 1; i < MAX_UNAUTHENTICATED; i++) {
                more.add(newChannel());
            }
            assertEquals(MAX_UNAUTHENTICATED, sessions.unauthenticated());
            EmbeddedChannel newest = newChannel();
            more.add(newest);
            channel.runPendingTasks(); // the eviction hops onto the oldest connection's event loop
            ByteBuf out = channel.readOutbound();
            out.skipBytes(Protocol.LENGTH_FIELD_BYTES);
            Message.Error error = assertInstanceOf(Message.Error.class, codec.decode(out));
            out.release();
            assertEquals(Message.Error.OVERLOAD, error.code());
            assertTrue(error.text().contains("awaiting authentication"), error.text());
            channel.runPendingTasks();
            assertFalse(channel.isOpen(), "the oldest was closed");
            assertTrue(newest.isOpen(), "the newest was admitted");
            assertEquals(1, rejected("unauthenticated_limit"));
            assertEquals(MAX_UNAUTHENTICATED, sessions.unauthenticated());

            more.get(0).close(); // a close frees a place
            assertEquals(MAX_UNAUTHENTICATED - 1, sessions.unauthenticated());
            EmbeddedChannel admitted = newChannel();
            more.add(admitted);
            assertTrue(admitted.isOpen());
            assertEquals(MAX_UNAUTHENTICATED, sessions.unauthenticated());
            assertEquals(1, rejected("unauthenticated_limit"), "nobody was evicted for it");
        } finally {
            more.forEach(EmbeddedChannel::finishAndReleaseAll);
        }
        assertEquals(0, sessions.unauthenticated());
    }

    @Test
    void unknownTypeClosesTheConnection() {
        channel.writeInbound(Unpooled.buffer().writeInt(1).writeByte(99));
        expectError(Message.Error.PROTOCOL, "unknown message type 99");
    }

    @Test
    void tooManyRequestsInFlightIsOverload() {
        authenticate(1000);
        send(new Message.Request(1, new Op.Stat("a")));
        send(new Message.Request(2, new Op.Stat("b")));
        send(new Message.Request(3, new Op.Stat("c")));
        assertEquals(new Message.Accepted(1), next());
        assertEquals(new Message.Accepted(2), next());
        expectError(Message.Error.OVERLOAD, "maxInflight 2");
        assertEquals(1, rejected("overload"));
        operations.forEach(f -> f.complete(new Outcome.Stat(false, false, 0)));
        channel.runPendingTasks();
        assertEquals(0, sessions.inflight(), "completions for a closed connection are dropped and released");
    }

    @Test
    void duplicateRequestIdIsAProtocolError() {
        authenticate(1000);
        send(new Message.Request(1, new Op.Stat("a")));
        send(new Message.Request(1, new Op.Stat("a")));
        assertEquals(new Message.Accepted(1), next());
        expectError(Message.Error.PROTOCOL, "already in flight");
    }

    @Test
    void leaseExpiresWithoutFramesAndHeartbeatsRenewIt() {
        authenticate(500);
        channel.advanceTimeBy(400, TimeUnit.MILLISECONDS);
        send(new Message.Heartbeat(1));
        assertEquals(new Message.HeartbeatAck(1), next());
        channel.advanceTimeBy(400, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen(), "the heartbeat renewed the lease");
        channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        expectError(Message.Error.LEASE_EXPIRED, "lease of 500 ms expired");
        assertEquals(1, rejected("lease"));
    }

    @Test
    void unfinishedHandshakeTimesOut() {
        send(hello(Protocol.MAGIC, 1, 1));
        assertInstanceOf(Message.Challenge.class, next());
        channel.advanceTimeBy(HANDSHAKE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        expectError(Message.Error.PROTOCOL, "handshake not finished");
        assertEquals(1, rejected("handshake_timeout"));
    }

    @Test
    void drainingCompletesAcceptedRequestsAndRefusesNewOnes() throws InterruptedException {
        authenticate(1000);
        send(new Message.Request(1, new Op.Sync("v")));
        assertEquals(new Message.Accepted(1), next());
        sessions.startDraining("test stop");
        assertEquals(new Message.Draining("test stop"), next());
        send(new Message.Request(2, new Op.Sync("v")));
        Message.Completion refused = assertInstanceOf(Message.Completion.class, next());
        assertEquals(Status.SHUTTING_DOWN, refused.status());
        assertEquals(1, operations.size(), "the refused request was not executed");
        assertFalse(sessions.awaitReleased(0));
        operations.get(0).complete(Outcome.Done.INSTANCE);
        assertEquals(Message.Completion.ok(1, OpCode.SYNC, Outcome.Done.INSTANCE), next());
        assertTrue(sessions.awaitReleased(0));
    }
}
