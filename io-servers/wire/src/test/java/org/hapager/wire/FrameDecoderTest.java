package org.hapager.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link FrameDecoder} and {@link FrameEncoder} in an {@link EmbeddedChannel}: no sockets, no threads. */
@ExtendWith(SeedExtension.class)
class FrameDecoderTest {

    private static final int MAX = WireLimits.DEFAULT.maxFrameBytes();

    private final EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(Wire.CODEC));

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    /** All samples back to back, and their frames. */
    private static byte[] sampleStream() {
        byte[] stream = new byte[0];
        for (Message m : RandomMessages.samples()) {
            stream = Wire.concat(stream, Wire.frame(m));
        }
        return stream;
    }

    private List<Message> drain() {
        List<Message> out = new ArrayList<>();
        for (Object o; (o = channel.readInbound()) != null; ) {
            out.add((Message) o);
        }
        return out;
    }

    private static void assertSameFrames(List<Message> expected, List<Message> actual) {
        assertEquals(expected.size(), actual.size(), "message count");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(Wire.frame(expected.get(i)), Wire.frame(actual.get(i)), "message " + i);
        }
    }

    private static ByteBuf prefix(long length) {
        return Unpooled.buffer(4).writeInt((int) length);
    }

    @Test
    void beforeAuthenticationAFrameOverTheHandshakeBoundIsRefusedFromItsPrefix() {
        EmbeddedChannel server = new EmbeddedChannel(FrameDecoder.forHandshake(Wire.CODEC));
        try {
            FrameDecoder decoder = server.pipeline().get(FrameDecoder.class);
            assertEquals(Protocol.MAX_HANDSHAKE_FRAME_BYTES, decoder.maxFrameBytes());
            Message hello = new Message.Hello(Protocol.MAGIC, 1, 1, Wire.nonce(0), "x".repeat(Protocol.MAX_CLIENT_NAME_BYTES));
            server.writeInbound(Unpooled.wrappedBuffer(Wire.frame(hello)));
            assertArrayEquals(Wire.frame(hello), Wire.frame((Message) server.readInbound()), "the largest HELLO fits");
            ByteBuf huge = prefix(MAX).writeByte(MessageType.HELLO.code);
            FrameTooLongException e = assertThrows(FrameTooLongException.class, () -> server.writeInbound(huge));
            assertTrue(e.getMessage().contains("frame length " + MAX + " exceeds the handshake bound "
                    + Protocol.MAX_HANDSHAKE_FRAME_BYTES), e.getMessage());
            assertEquals(0, decoder.bufferedBytes(), "nothing of the refused frame is kept");
        } finally {
            server.finishAndReleaseAll();
        }
    }

    @Test
    void onceAuthenticatedTheFullBoundApplies() {
        EmbeddedChannel server = new EmbeddedChannel(FrameDecoder.forHandshake(Wire.CODEC));
        try {
            FrameDecoder decoder = server.pipeline().get(FrameDecoder.class);
            decoder.authenticated();
            assertEquals(MAX, decoder.maxFrameBytes());
            server.writeInbound(prefix(MAX).writeByte(MessageType.REQUEST.code));
            assertEquals(5, decoder.bufferedBytes(), "a full-size frame is awaited");
        } finally {
            server.finishAndReleaseAll();
        }
    }

    @Test
    void severalFramesCoalescedInOneBufferAllDecode() {
        channel.writeInbound(Unpooled.wrappedBuffer(sampleStream()));
        assertSameFrames(RandomMessages.samples(), drain());
    }

    @Test
    void aStreamSplitAtEveryByteBoundaryDecodes() {
        List<Message> samples = RandomMessages.samples().subList(0, 12);
        byte[] stream = new byte[0];
        for (Message m : samples) {
            stream = Wire.concat(stream, Wire.frame(m));
        }
        for (int split = 0; split <= stream.length; split++) {
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(Wire.CODEC));
            ch.writeInbound(Unpooled.wrappedBuffer(stream, 0, split));
            ch.writeInbound(Unpooled.wrappedBuffer(stream, split, stream.length - split));
            List<Message> out = new ArrayList<>();
            for (Object o; (o = ch.readInbound()) != null; ) {
                out.add((Message) o);
            }
            assertSameFrames(samples, out);
            assertFalse(ch.finishAndReleaseAll(), "nothing left over after split at " + split);
        }
    }

    @Test
    void aStreamFedOneByteAtATimeDecodesEachFrameWhenItsLastByteArrives() {
        byte[] stream = sampleStream();
        List<Message> samples = RandomMessages.samples();
        int frame = 0;
        int frameEnd = Wire.frame(samples.get(0)).length;
        for (int i = 0; i < stream.length; i++) {
            channel.writeInbound(Unpooled.wrappedBuffer(stream, i, 1));
            Message m = channel.readInbound();
            if (i + 1 == frameEnd) {
                assertArrayEquals(Wire.frame(samples.get(frame)), Wire.frame(m), "frame " + frame);
                frame++;
                frameEnd += frame < samples.size() ? Wire.frame(samples.get(frame)).length : 0;
            } else {
                assertNull(m, "nothing before byte " + i + " completes a frame");
            }
        }
        assertEquals(samples.size(), frame);
    }

    @Test
    void randomChunkingOfRandomMessagesDecodes(Seed seed) {
        SplittableRandom random = seed.splittable();
        RandomMessages gen = new RandomMessages(random);
        List<Message> sent = new ArrayList<>();
        ByteBuf stream = Unpooled.buffer();
        for (int i = 0; i < 200; i++) {
            Message m = gen.message(MessageType.values()[random.nextInt(MessageType.values().length)]);
            sent.add(m);
            Wire.CODEC.encodeFrame(m, stream);
        }
        while (stream.isReadable()) {
            int n = Math.min(stream.readableBytes(), 1 + random.nextInt(random.nextBoolean() ? 16 : 200_000));
            channel.writeInbound(stream.readRetainedSlice(n));
        }
        stream.release();
        assertSameFrames(sent, drain());
    }

    @Test
    void encoderAndDecoderRoundTripThroughChannels() {
        EmbeddedChannel out = new EmbeddedChannel(new FrameEncoder(Wire.CODEC));
        for (Message m : RandomMessages.samples()) {
            assertTrue(out.writeOutbound(m));
            ByteBuf encoded = out.readOutbound();
            assertArrayEquals(Wire.frame(m), ByteBufUtil.getBytes(encoded), m.type() + " from FrameEncoder");
            channel.writeInbound(encoded);
        }
        assertSameFrames(RandomMessages.samples(), drain());
        out.finishAndReleaseAll();
    }

    // ------------------------------------------------------------------ bad frames

    @Test
    void afterABadFrameTheDecoderRaisesOnceAndDiscardsEverythingAfter() {
        byte[] good = Wire.frame(new Message.Heartbeat(1));
        byte[] bad = {0, 0, 0, 1, (byte) 99}; // unknown type 99
        ByteBuf in = Unpooled.wrappedBuffer(Wire.concat(good, bad, Wire.frame(new Message.Heartbeat(2))));
        CorruptFrameException e = assertThrows(CorruptFrameException.class, () -> channel.writeInbound(in));
        assertEquals("unknown message type 99", e.getMessage());
        assertEquals(0, in.refCnt(), "the rest of the buffer was discarded, not kept");
        assertEquals(List.of(new Message.Heartbeat(1)), drain(), "the frame before the bad one is delivered");
        for (Message m : RandomMessages.samples()) {
            ByteBuf later = Unpooled.wrappedBuffer(Wire.frame(m));
            assertFalse(channel.writeInbound(later), "nothing decoded after the failure");
            assertEquals(0, later.refCnt());
        }
        ByteBuf garbage = Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0, 0, 0, 0, 0});
        assertFalse(channel.writeInbound(garbage), "later bad input raises nothing either");
        assertEquals(List.of(), drain());
    }

    @Test
    void aBadFrameSplitOverBuffersRaisesWhenItIsComplete() {
        byte[] bad = Wire.frame(new Message.Request(1, new Op.Stat("ok")));
        bad[bad.length - 2] = '.'; // the name becomes "."
        bad[bad.length - 1] = '.'; // "..": a frame that is complete before it is known to be bad
        channel.writeInbound(Unpooled.wrappedBuffer(bad, 0, bad.length - 1));
        CorruptFrameException e = assertThrows(CorruptFrameException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(bad, bad.length - 1, 1)));
        assertEquals("bad volume name: name has a '..' segment", e.getMessage());
        assertFalse(channel.writeInbound(Unpooled.wrappedBuffer(Wire.frame(new Message.Heartbeat(3)))));
    }

    @Test
    void zeroLengthIsRejected() {
        ByteBuf in = Unpooled.wrappedBuffer(Wire.concat(new byte[4], Wire.frame(new Message.Heartbeat(1))));
        CorruptFrameException e = assertThrows(CorruptFrameException.class, () -> channel.writeInbound(in));
        assertEquals("frame length 0 (expected: >= 1)", e.getMessage());
        assertEquals(List.of(), drain());
    }

    @Test
    void anOversizedLengthIsRejectedAsSoonAsItsPrefixArrives() {
        ByteBuf head = prefix(MAX + 1L);
        assertFalse(channel.writeInbound(head.readRetainedSlice(3)), "three bytes are not yet a length");
        FrameTooLongException e = assertThrows(FrameTooLongException.class,
                () -> channel.writeInbound(head.readRetainedSlice(1)));
        head.release();
        assertEquals("frame length " + (MAX + 1L) + " exceeds maxFrameBytes " + MAX, e.getMessage());
        // the body that follows is dropped as it arrives, never accumulated
        for (int i = 0; i < 4; i++) {
            ByteBuf body = Unpooled.buffer(256 * 1024).writeZero(256 * 1024);
            assertFalse(channel.writeInbound(body));
            assertEquals(0, body.refCnt(), "body chunk " + i + " was released, not buffered");
        }
    }

    @Test
    void everyOversizedLengthIsRejectedWithoutBufferingTheBodyThatCameWithIt() {
        for (long length : new long[] {MAX + 1L, Integer.MAX_VALUE, 0x80000000L, 0xFFFFFFFFL}) {
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(Wire.CODEC));
            ByteBuf in = prefix(length).writeZero(1000);
            assertThrows(FrameTooLongException.class, () -> ch.writeInbound(in), "length " + length);
            assertEquals(0, in.refCnt(), "length " + length + ": nothing kept");
            assertFalse(ch.finishAndReleaseAll());
        }
    }

    @Test
    void aLengthOfExactlyMaxFrameBytesIsAwaitedNotRejected() {
        // no valid message reaches maxFrameBytes (it leaves room for headers), so the body is garbage:
        // the point is that the decoder waits for all of it and judges the body, not the length
        ByteBuf head = prefix(MAX).writeByte(MessageType.HEARTBEAT.code).writeZero(1000);
        assertFalse(channel.writeInbound(head));
        int left = MAX - 1001 - 1; // all but the last byte
        while (left > 0) {
            int n = Math.min(left, 64 * 1024);
            assertFalse(channel.writeInbound(Unpooled.buffer(n).writeZero(n)));
            left -= n;
        }
        CorruptFrameException e = assertThrows(CorruptFrameException.class,
                () -> channel.writeInbound(Unpooled.buffer(1).writeZero(1)));
        assertEquals("HEARTBEAT frame has " + (MAX - 9) + " unexpected trailing bytes", e.getMessage());
    }

    /** A budget of one frame at a time, as a server's session would give. */
    private static final class OneFrameBudget implements FrameAdmission {
        boolean room = false;
        int admitted;
        int released;

        @Override
        public boolean admit(int frameBytes) {
            if (!room) {
                return false;
            }
            admitted += frameBytes;
            return true;
        }

        @Override
        public void release(int frameBytes) {
            released += frameBytes;
        }
    }

    @Test
    void aLargeFrameWaitsForAdmissionAndIsReleasedOnceDecoded() {
        FrameDecoder decoder = FrameDecoder.forHandshake(Wire.CODEC);
        OneFrameBudget budget = new OneFrameBudget();
        decoder.authenticated(budget);
        EmbeddedChannel server = new EmbeddedChannel(decoder);
        try {
            java.nio.ByteBuffer pages = java.nio.ByteBuffer.allocate(16 * 4096);
            Message write = new Message.Request(9, new Op.Write("v", 4096, 0, 16,
                    PageChecksums.compute(pages, 4096, 16), pages));
            byte[] frame = Wire.frame(write);
            server.writeInbound(Unpooled.wrappedBuffer(frame, 0, 1000));
            assertNull(server.readInbound(), "refused: nothing decoded");
            assertEquals(0, budget.admitted);

            budget.room = true;
            decoder.retry(server.pipeline().firstContext());
            assertEquals(frame.length - 4, budget.admitted, "admitted from its length prefix");
            assertEquals(0, budget.released, "held while the frame arrives");
            server.writeInbound(Unpooled.wrappedBuffer(frame, 1000, frame.length - 1000));
            Message decoded = server.readInbound();
            assertArrayEquals(frame, Wire.frame(decoded));
            assertEquals(budget.admitted, budget.released, "released once, when decoded");

            // a small frame (a read) needs no admission
            budget.room = false;
            server.writeInbound(Unpooled.wrappedBuffer(Wire.frame(new Message.Request(10, new Op.Read("v", 4096, 0, 1)))));
            assertTrue(server.readInbound() instanceof Message.Request);
        } finally {
            server.finishAndReleaseAll();
        }
    }

    @Test
    void anAdmittedFrameIsReleasedWhenTheConnectionCloses() {
        FrameDecoder decoder = FrameDecoder.forHandshake(Wire.CODEC);
        OneFrameBudget budget = new OneFrameBudget();
        budget.room = true;
        decoder.authenticated(budget);
        EmbeddedChannel server = new EmbeddedChannel(decoder);
        java.nio.ByteBuffer pages = java.nio.ByteBuffer.allocate(4 * 4096);
        byte[] frame = Wire.frame(new Message.Request(9, new Op.Write("v", 4096, 0, 4,
                PageChecksums.compute(pages, 4096, 4), pages)));
        server.writeInbound(Unpooled.wrappedBuffer(frame, 0, frame.length - 1));
        assertEquals(frame.length - 4, budget.admitted);
        server.finishAndReleaseAll();
        assertEquals(budget.admitted, budget.released);
    }
}
