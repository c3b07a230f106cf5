package org.hapager.wire;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fuzzing of {@link FrameDecoder} in an {@link EmbeddedChannel}: a hostile byte stream, cut into chunks as a
 * socket would deliver it. The Jazzer target {@link #decodeStream} and the bounded run
 * {@link #mutatedStreamsKeepEveryProperty} check each input with {@link #checkStream}:
 * <ol>
 * <li>the only exceptions are {@link CorruptFrameException} and {@link FrameTooLongException}, raised once,
 *     with a message; nothing else (an index out of bounds, an NPE wrapped in a {@link DecoderException}) leaves
 *     the decoder;</li>
 * <li>between chunks the decoder buffers at most one incomplete frame ({@code LENGTH_FIELD_BYTES +
 *     maxFrameBytes - 1} bytes), and nothing after a failure;</li>
 * <li>no buffer the pipeline allocates is larger than twice the bytes that arrived (nothing is sized by a
 *     length field), and every buffer, the input chunks included, is released when the channel closes;</li>
 * <li>the decoded messages are the stream's frames in order, byte for byte (decoding is canonical), and each
 *     decodes again to an equal message.</li>
 * </ol>
 * An input is one chunking byte (0: the whole stream in one read; otherwise the seed of chunk sizes from 1 to
 * {@value #MAX_CHUNK_BYTES} bytes) followed by the stream. The committed inputs under {@code FrameDecoderFuzzTestInputs/decodeStream/}
 * hold every sample message as a frame, and whole conversations, written by {@link FuzzCorpusTest}.
 */
@ExtendWith(SeedExtension.class)
class FrameDecoderFuzzTest {

    /** Largest chunk of a stream delivered in one read: small enough to split most frames and their prefixes. */
    private static final int MAX_CHUNK_BYTES = 128;
    private static final int MAX_FRAME_BYTES = Wire.CODEC.limits().maxFrameBytes();
    /** Most bytes the decoder may hold between reads: one frame short of complete. */
    private static final long MAX_BUFFERED_BYTES = Protocol.LENGTH_FIELD_BYTES + (long) MAX_FRAME_BYTES - 1;

    @Timeout(value = 5, unit = TimeUnit.SECONDS) // per input; also Jazzer's -timeout in fuzzing mode
    @FuzzTest(maxDuration = "30s")
    void decodeStream(byte[] input) {
        checkStream(input);
    }

    /** Random mutations of frames of every type, each with random chunking, through {@link #checkStream}. */
    @Test
    void mutatedStreamsKeepEveryProperty(Seed seed) {
        SplittableRandom random = seed.splittable();
        List<byte[]> seeds = MessageCodecFuzzTest.seeds(random);
        int decodedAny = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] stream = new byte[0];
            for (int frames = 1 + random.nextInt(3); frames > 0; frames--) {
                stream = Wire.concat(stream, MessageCodecFuzzTest.withPrefix(seeds.get(random.nextInt(seeds.size()))));
            }
            byte[] mutated = random.nextInt(4) == 0 ? stream : MessageCodecFuzzTest.mutate(stream, random);
            if (checkStream(Wire.concat(new byte[] {(byte) random.nextInt(256)}, mutated)) > 0) {
                decodedAny++;
            }
        }
        assertTrue(decodedAny > 500, "only " + decodedAny + " of 2000 streams decoded a frame");
    }

    /** Checks every property for one input; returns the number of messages decoded. */
    static int checkStream(byte[] input) {
        if (input.length == 0) {
            return 0;
        }
        int chunking = input[0] & 0xFF;
        byte[] stream = Arrays.copyOfRange(input, 1, input.length);
        SplittableRandom chunkSizes = new SplittableRandom(chunking);
        TrackingAllocator allocator = new TrackingAllocator();
        FrameDecoder decoder = new FrameDecoder(Wire.CODEC);
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(allocator);
        channel.pipeline().addLast(decoder);
        List<ByteBuf> chunks = new ArrayList<>();
        boolean failed = false;
        try {
            for (int at = 0; at < stream.length; ) {
                int n = chunking == 0 ? stream.length : Math.min(stream.length - at, 1 + chunkSizes.nextInt(MAX_CHUNK_BYTES));
                ByteBuf chunk = Unpooled.copiedBuffer(stream, at, n);
                chunks.add(chunk);
                at += n;
                try {
                    channel.writeInbound(chunk);
                } catch (CorruptFrameException | FrameTooLongException e) {
                    if (failed) {
                        throw new AssertionError("the decoder failed twice: " + e + "; input " + MessageCodecFuzzTest.hex(input));
                    }
                    if (e.getMessage() == null || e.getMessage().isBlank()) {
                        throw new AssertionError("a rejection must say why; input " + MessageCodecFuzzTest.hex(input), e);
                    }
                    failed = true;
                } catch (DecoderException e) {
                    throw new AssertionError("the decoder raised " + e.getCause() + ", not a frame error; input "
                            + MessageCodecFuzzTest.hex(input), e);
                }
                int buffered = decoder.bufferedBytes();
                if (buffered > MAX_BUFFERED_BYTES || (failed && (buffered != 0 || chunk.refCnt() != 0))) {
                    throw new AssertionError("the decoder holds " + buffered + " bytes" + (failed ? " after a failure" : "")
                            + " (bound " + (failed ? 0 : MAX_BUFFERED_BYTES) + "), chunk refCnt " + chunk.refCnt()
                            + "; input " + MessageCodecFuzzTest.hex(input));
                }
                if (allocator.largestCapacity() > Math.max(64, 2L * stream.length)) {
                    throw new AssertionError("a buffer of " + allocator.largestCapacity() + " bytes for a stream of "
                            + stream.length + ": sized by a length field? input " + MessageCodecFuzzTest.hex(input));
                }
            }
            List<Message> decoded = new ArrayList<>();
            for (Object o; (o = channel.readInbound()) != null; ) {
                decoded.add((Message) o);
            }
            checkFramesOfStream(decoded, stream, failed ? -1 : decoder.bufferedBytes(), input);
            return decoded.size();
        } finally {
            channel.finishAndReleaseAll();
            for (ByteBuf chunk : chunks) {
                if (chunk.refCnt() != 0) {
                    throw new AssertionError("an input chunk was not released (refCnt " + chunk.refCnt() + "); input "
                            + MessageCodecFuzzTest.hex(input));
                }
            }
            if (allocator.unreleased() != 0) {
                throw new AssertionError(allocator.unreleased() + " buffers the decoder allocated were not released; input "
                        + MessageCodecFuzzTest.hex(input));
            }
        }
    }

    /**
     * The decoded messages re-encode to the stream's first frames exactly; without a failure, those frames and
     * the {@code buffered} bytes make up the whole stream. Each frame decodes again to a message that encodes
     * to the same frame (field by field equality is {@link MessageCodecFuzzTest#checkBody}'s).
     */
    private static void checkFramesOfStream(List<Message> decoded, byte[] stream, int buffered, byte[] input) {
        int at = 0;
        for (Message m : decoded) {
            byte[] frame = Wire.frame(m);
            if (at + frame.length > stream.length
                    || !Arrays.equals(frame, 0, frame.length, stream, at, at + frame.length)) {
                throw new AssertionError("decoded " + m.type() + " is not the stream's next frame at byte " + at
                        + "; input " + MessageCodecFuzzTest.hex(input));
            }
            byte[] again = Wire.frame(Wire.decode(Arrays.copyOfRange(frame, Protocol.LENGTH_FIELD_BYTES, frame.length)));
            if (!Arrays.equals(frame, again)) {
                throw new AssertionError("round trip changed the " + m.type() + " frame at byte " + at + "; input "
                        + MessageCodecFuzzTest.hex(input));
            }
            at += frame.length;
        }
        if (buffered >= 0 && at + buffered != stream.length) {
            throw new AssertionError("decoded " + at + " bytes and buffered " + buffered + " of a " + stream.length
                    + "-byte stream without a failure; input " + MessageCodecFuzzTest.hex(input));
        }
    }
}
