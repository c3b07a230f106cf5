package org.hapager.server.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hapager.server.metrics.ServerMetrics;
import org.hapager.server.store.StoreException;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.hapager.wire.CorruptFrameException;
import org.hapager.wire.FrameDecoder;
import org.hapager.wire.FrameEncoder;
import org.hapager.wire.HandshakeProof;
import org.hapager.wire.Message;
import org.hapager.wire.MessageCodec;
import org.hapager.wire.MessageType;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.hapager.wire.Protocol;
import org.hapager.wire.Status;
import org.hapager.wire.WireLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * Fuzzing of the server's session, where a hostile client's bytes land before and after authentication:
 * {@code FrameDecoder → FrameEncoder → SessionHandler} in an {@link EmbeddedChannel} (no sockets, no threads,
 * a frozen clock moved by hand), as {@link SessionHandlerTest} drives it. An input is a mode byte, a chunking
 * byte and a byte stream from the client:
 * <ul>
 * <li>mode 0: the stream is all the client sends;</li>
 * <li>mode 1: the harness sends a valid HELLO first, the stream follows (an AUTH with a guessed proof);</li>
 * <li>mode 2: the harness authenticates with the right token first, the stream follows (a hostile client
 *     that knows the token).</li>
 * </ul>
 * Properties checked by {@link #checkSession} for every input:
 * <ol>
 * <li>nothing is served before authentication: in modes 0 and 1 the server sends only CHALLENGE and ERROR,
 *     and no operation reaches the store;</li>
 * <li>no exception leaves the pipeline, and the server closes a connection only after an ERROR frame naming
 *     the reason (a swallowed bug would close it without one);</li>
 * <li>every frame the server sends decodes with the client's codec;</li>
 * <li>the decoder never holds more than one incomplete frame, and before authentication (modes 0 and 1) none
 *     larger than the handshake frame bound;</li>
 * <li>no hang: once the handshake timeout and the longest lease have passed on the channel's clock, the
 *     connection is closed whatever was sent;</li>
 * <li>nothing leaks: every input buffer is released, the session leaves {@link Sessions} (and its count of
 *     connections awaiting authentication), and the requests it accepted are released once their operations
 *     complete.</li>
 * </ol>
 * In {@code mvn verify} the committed inputs under {@code SessionHandshakeFuzzTestInputs/handshake/} run
 * (written by {@link #committedSeedsMatchTheCurrentEncoding}) and {@link #mutatedSeedsKeepEveryProperty} adds
 * random mutations of them; {@code mvn -Pfuzz} fuzzes for millions of inputs.
 */
@ExtendWith(SeedExtension.class)
class SessionHandshakeFuzzTest {

    static final byte[] TOKEN = "fuzz-token-0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final int LEASE_MAX_MILLIS = 2000;
    static final int HANDSHAKE_TIMEOUT_MILLIS = 1000;
    static final int MAX_INFLIGHT = 4;
    static final MessageCodec CODEC = new MessageCodec(WireLimits.DEFAULT);
    static final HandshakeProof PROOF = new HandshakeProof(TOKEN);
    static final SessionSettings SETTINGS = new SessionSettings("fuzz-server", PROOF, LEASE_MAX_MILLIS, MAX_INFLIGHT,
            HANDSHAKE_TIMEOUT_MILLIS, WireLimits.DEFAULT);
    /** Shared by every input: each input's session must leave it empty, with no request in flight. */
    static final Sessions SESSIONS = new Sessions(new ServerMetrics(new SimpleMeterRegistry()));
    private static final long MAX_BUFFERED_BYTES = Protocol.LENGTH_FIELD_BYTES + (long) WireLimits.DEFAULT.maxFrameBytes() - 1;
    private static final int MAX_CHUNK_BYTES = 128;
    private static final Set<MessageType> BEFORE_AUTH = Set.of(MessageType.CHALLENGE, MessageType.ERROR);
    private static final Path SEEDS = Path.of("src/test/resources/org/hapager/server/session/SessionHandshakeFuzzTestInputs/handshake");

    static {
        // every rejected input logs a WARN line; millions of them would only slow the fuzzer down
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(SessionHandler.class)).setLevel(Level.OFF);
    }

    @Timeout(value = 5, unit = TimeUnit.SECONDS) // per input; also Jazzer's -timeout in fuzzing mode
    @FuzzTest(maxDuration = "30s")
    void handshake(byte[] input) {
        checkSession(input);
    }

    /** Random mutations of the seeds through {@link #checkSession}. */
    @Test
    void mutatedSeedsKeepEveryProperty(Seed seed) {
        SplittableRandom random = seed.splittable();
        List<byte[]> seeds = new ArrayList<>(seeds().values());
        for (int i = 0; i < 1500; i++) {
            byte[] in = seeds.get(random.nextInt(seeds.size()));
            checkSession(random.nextInt(4) == 0 ? in : mutate(in, random));
        }
    }

    /** Checks every property for one input. */
    static void checkSession(byte[] input) {
        if (input.length < 2) {
            return;
        }
        int mode = (input[0] & 0xFF) % 3;
        int chunking = input[1] & 0xFF;
        byte[] stream = Arrays.copyOfRange(input, 2, input.length);
        List<CompletableFuture<Outcome>> pending = new ArrayList<>();
        int[] executed = {0};
        OpExecutor executor = (op, eventLoop) -> {
            executed[0]++;
            return switch (op.code()) {
                case SYNC -> { // left in flight until the end: exercises maxInflight and completions after close
                    CompletableFuture<Outcome> f = new CompletableFuture<>();
                    pending.add(f);
                    yield f;
                }
                case STAT -> CompletableFuture.completedFuture(new Outcome.Stat(true, false, 4096));
                default -> CompletableFuture.failedFuture(new StoreException(Status.NOT_FOUND,
                        "volume " + op.volume() + " does not exist (fuzz harness)"));
            };
        };
        FrameDecoder decoder = FrameDecoder.forHandshake(CODEC); // as the server makes it
        SessionHandler session = new SessionHandler(SETTINGS, executor, YieldHandler.NOT_HOLDING, SESSIONS);
        EmbeddedChannel channel = new EmbeddedChannel(decoder, new FrameEncoder(CODEC), session);
        channel.freezeTime();
        List<ByteBuf> chunks = new ArrayList<>();
        try {
            if (mode >= 1) {
                byte[] clientNonce = new byte[HandshakeProof.NONCE_BYTES];
                send(channel, new Message.Hello(Protocol.MAGIC, Protocol.MIN_VERSION, Protocol.MAX_VERSION, clientNonce, "fuzz"));
                Message.Challenge challenge = (Message.Challenge) sent(channel, input).get(0);
                if (mode == 2) {
                    send(channel, new Message.Auth(PROOF.clientProof(challenge.version(), clientNonce, challenge.serverNonce()), 1000));
                    if (!(sent(channel, input).get(0) instanceof Message.AuthOk)) {
                        throw new AssertionError("the harness's own handshake failed");
                    }
                }
            }
            SplittableRandom chunkSizes = new SplittableRandom(chunking);
            List<Message> replies = new ArrayList<>();
            for (int at = 0; at < stream.length && channel.isOpen(); ) {
                int n = chunking == 0 ? stream.length : Math.min(stream.length - at, 1 + chunkSizes.nextInt(MAX_CHUNK_BYTES));
                ByteBuf chunk = Unpooled.copiedBuffer(stream, at, n);
                chunks.add(chunk);
                at += n;
                try {
                    channel.writeInbound(chunk);
                } catch (RuntimeException e) {
                    throw new AssertionError("an exception left the session's pipeline: " + e + "; input " + hex(input), e);
                }
                // before authentication the bound is the handshake frame's: a few hundred bytes
                long maxBuffered = Protocol.LENGTH_FIELD_BYTES + (long) decoder.maxFrameBytes() - 1;
                if (decoder.bufferedBytes() > Math.min(maxBuffered, MAX_BUFFERED_BYTES)
                        || (mode < 2 && decoder.maxFrameBytes() != Protocol.MAX_HANDSHAKE_FRAME_BYTES)) {
                    throw new AssertionError("the decoder holds " + decoder.bufferedBytes() + " bytes (bound "
                            + decoder.maxFrameBytes() + "); input " + hex(input));
                }
                replies.addAll(sent(channel, input));
            }
            // no hang: past the handshake timeout and the longest lease, every connection is closed
            channel.advanceTimeBy(HANDSHAKE_TIMEOUT_MILLIS + LEASE_MAX_MILLIS + 1, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            channel.runPendingTasks();
            replies.addAll(sent(channel, input));
            checkReplies(mode, replies, executed[0], channel, session, input);
        } finally {
            channel.finishAndReleaseAll();
            pending.forEach(f -> f.complete(Outcome.Done.INSTANCE)); // dropped: the connection is closed
            for (ByteBuf chunk : chunks) {
                if (chunk.refCnt() != 0) {
                    throw new AssertionError("an input chunk was not released (refCnt " + chunk.refCnt() + "); input " + hex(input));
                }
            }
        }
        if (SESSIONS.size() != 0 || SESSIONS.inflight() != 0 || SESSIONS.unauthenticated() != 0) {
            throw new AssertionError("after close: " + SESSIONS.size() + " sessions, " + SESSIONS.inflight()
                    + " requests in flight and " + SESSIONS.unauthenticated() + " connections awaiting authentication"
                    + " remain; input " + hex(input));
        }
    }

    private static void checkReplies(int mode, List<Message> replies, int executed, EmbeddedChannel channel,
                                     SessionHandler session, byte[] input) {
        if (mode < 2) {
            for (Message m : replies) {
                if (!BEFORE_AUTH.contains(m.type())) {
                    throw new AssertionError("served " + m.type() + " before authentication; input " + hex(input));
                }
            }
            if (executed != 0) {
                throw new AssertionError(executed + " operations ran before authentication; input " + hex(input));
            }
        } else {
            for (Message m : replies) {
                if (m.type() == MessageType.CHALLENGE || m.type() == MessageType.AUTH_OK) {
                    throw new AssertionError("an authenticated session answered " + m.type() + "; input " + hex(input));
                }
            }
        }
        if (channel.isOpen() || session.state() != SessionHandler.State.CLOSED) {
            throw new AssertionError("the connection is still " + session.state() + " after the handshake timeout and"
                    + " the lease; input " + hex(input));
        }
        Message last = replies.isEmpty() ? null : replies.get(replies.size() - 1);
        if (!(last instanceof Message.Error)) {
            throw new AssertionError("the connection closed without an ERROR frame (last sent: " + last + "); input " + hex(input));
        }
        for (int i = 0; i < replies.size() - 1; i++) {
            if (replies.get(i) instanceof Message.Error) {
                throw new AssertionError("the server sent " + replies.get(i + 1).type() + " after ERROR; input " + hex(input));
            }
        }
    }

    private static void send(EmbeddedChannel channel, Message m) {
        ByteBuf buf = Unpooled.buffer();
        CODEC.encodeFrame(m, buf);
        channel.writeInbound(buf);
    }

    /** Everything the server has sent since the last call, decoded as its client would. */
    private static List<Message> sent(EmbeddedChannel channel, byte[] input) {
        channel.runPendingTasks();
        List<Message> out = new ArrayList<>();
        for (ByteBuf frame; (frame = channel.readOutbound()) != null; ) {
            try {
                long length = frame.readUnsignedInt();
                if (length != frame.readableBytes()) {
                    throw new AssertionError("the server sent a frame whose prefix says " + length + " bytes for "
                            + frame.readableBytes() + "; input " + hex(input));
                }
                out.add(CODEC.decode(frame));
            } catch (CorruptFrameException e) {
                throw new AssertionError("the server sent a frame its client rejects: " + e.getMessage() + "; input " + hex(input), e);
            } finally {
                frame.release();
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ seeds and mutations

    /** The seed inputs: file name → mode, chunking and stream. */
    static Map<String, byte[]> seeds() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        byte[] nonce = new byte[HandshakeProof.NONCE_BYTES];
        Message hello = new Message.Hello(Protocol.MAGIC, Protocol.MIN_VERSION, Protocol.MAX_VERSION, nonce, "client");
        Message auth = new Message.Auth(new byte[HandshakeProof.PROOF_BYTES], 1000);
        out.put("0-hello", input(0, 0, hello));
        out.put("0-hello-then-auth-with-a-wrong-proof", input(0, 5, hello, auth));
        out.put("0-hello-bad-magic", input(0, 0, new Message.Hello(0x12345678, 1, 1, nonce, "client")));
        out.put("0-hello-no-common-version", input(0, 0, new Message.Hello(Protocol.MAGIC, 7, 9, nonce, "client")));
        out.put("0-request-before-hello", input(0, 0, new Message.Request(1, new Op.Stat("a"))));
        out.put("0-heartbeat-before-hello", input(0, 0, new Message.Heartbeat(1)));
        out.put("0-auth-before-hello", input(0, 0, auth));
        out.put("0-yield-before-hello", input(0, 0, new Message.Yield("peer", "test")));
        out.put("1-auth-with-a-wrong-proof", input(1, 0, auth));
        out.put("1-second-hello", input(1, 0, hello));
        out.put("1-request-before-auth", input(1, 3, new Message.Request(1, new Op.Read("a", 4096, 0, 1))));
        out.put("2-heartbeats", input(2, 0, new Message.Heartbeat(1), new Message.Heartbeat(2)));
        out.put("2-yield", input(2, 0, new Message.Yield("peer", "client lost its primary")));
        out.put("2-hello-again", input(2, 0, hello));
        out.put("2-auth-again", input(2, 0, auth));
        out.put("2-completion-from-a-client", input(2, 0, Message.Completion.ok(1, org.hapager.wire.OpCode.SYNC, Outcome.Done.INSTANCE)));
        ByteBuffer page = ByteBuffer.allocate(512);
        List<Message> everyOp = List.of(
                new Message.Request(1, new Op.Read("db/seg0/c1.dat", 4096, 3, 2)),
                new Message.Request(2, new Op.Write("db/log1.dat", 512, 0, 1, PageChecksums.compute(page, 512, 1), page)),
                new Message.Request(3, new Op.Create("db/x", true)),
                new Message.Request(4, new Op.Delete("db/x")),
                new Message.Request(5, new Op.Rename("db/x", "db/y", false)),
                new Message.Request(6, new Op.List("")),
                new Message.Request(7, new Op.Stat("db/y")),
                new Message.Request(8, new Op.SetLength("db/y", 8192)),
                new Message.Request(9, new Op.Mkdirs("db/a/b")),
                new Message.Request(10, new Op.Sync("db/y")));
        out.put("2-every-op", input(2, 0, everyOp.toArray(new Message[0])));
        out.put("2-every-op-small-reads", input(2, 9, everyOp.toArray(new Message[0])));
        out.put("2-duplicate-request-id", input(2, 0, new Message.Request(5, new Op.Sync("a")), new Message.Request(5, new Op.Sync("a"))));
        List<Message> overload = new ArrayList<>();
        for (int i = 0; i <= MAX_INFLIGHT; i++) {
            overload.add(new Message.Request(100 + i, new Op.Sync("a")));
        }
        out.put("2-more-than-max-inflight", input(2, 0, overload.toArray(new Message[0])));
        return out;
    }

    private static byte[] input(int mode, int chunking, Message... messages) {
        ByteBuf buf = Unpooled.buffer().writeByte(mode).writeByte(chunking);
        for (Message m : messages) {
            CODEC.encodeFrame(m, buf);
        }
        return ByteBufUtil.getBytes(buf);
    }

    @Test
    void committedSeedsMatchTheCurrentEncoding() throws IOException {
        boolean write = Boolean.getBoolean("hapager.fuzz.writeCorpus");
        if (write) {
            Files.createDirectories(SEEDS);
        }
        for (Map.Entry<String, byte[]> e : seeds().entrySet()) {
            Path file = SEEDS.resolve(e.getKey());
            if (write) {
                Files.write(file, e.getValue());
            }
            assertTrue(Files.isRegularFile(file), () -> file + " is missing: run this test with"
                    + " -Dhapager.fuzz.writeCorpus=true and commit it");
            assertArrayEquals(e.getValue(), Files.readAllBytes(file), () -> file + " is stale: run this test with"
                    + " -Dhapager.fuzz.writeCorpus=true and commit it");
        }
    }

    /** One to four random edits: bit flips, overwrites, inserts, deletes, truncation, extreme 32-bit values. */
    static byte[] mutate(byte[] in, SplittableRandom random) {
        byte[] b = in.clone();
        for (int m = 1 + random.nextInt(4); m > 0; m--) {
            int at = b.length == 0 ? 0 : random.nextInt(b.length);
            switch (random.nextInt(6)) {
                case 0 -> { if (b.length > 0) b[at] ^= (byte) (1 << random.nextInt(8)); }
                case 1 -> { if (b.length > 0) b[at] = (byte) random.nextInt(256); }
                case 2 -> {
                    byte[] extra = new byte[1 + random.nextInt(4)];
                    random.nextBytes(extra);
                    byte[] c = new byte[b.length + extra.length];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(extra, 0, c, at, extra.length);
                    System.arraycopy(b, at, c, at + extra.length, b.length - at);
                    b = c;
                }
                case 3 -> {
                    int n = Math.min(b.length - at, 1 + random.nextInt(4));
                    byte[] c = new byte[b.length - n];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(b, at + n, c, at, b.length - at - n);
                    b = c;
                }
                case 4 -> b = Arrays.copyOf(b, at);
                default -> {
                    if (b.length >= at + 4) {
                        int[] extremes = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0xFFFF, 1 << 20};
                        Unpooled.wrappedBuffer(b).setInt(at, extremes[random.nextInt(extremes.length)]);
                    }
                }
            }
        }
        return b;
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b, 0, Math.min(b.length, 300)) + (b.length > 300 ? "…(" + b.length + " bytes)" : "");
    }
}
