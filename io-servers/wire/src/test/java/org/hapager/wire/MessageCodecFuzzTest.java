package org.hapager.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fuzzing of {@link MessageCodec#decode}: the coverage-guided Jazzer target {@link #decodeBody} and a bounded
 * run of random mutations. Both check one input with {@link #checkBody}: the decoder either returns a message
 * that re-encodes to exactly the bytes it was given (decoding is canonical) and decodes again to an equal
 * message, or throws {@link CorruptFrameException} saying why; any other exception (index out of bounds,
 * negative array size, out of memory) is a bug, and so is allocating more than a small multiple of the
 * input's length (an allocation sized by a length field instead of by bytes that arrived).
 *
 * <p>In {@code mvn verify} (Jazzer's regression mode) {@link #decodeBody} runs the committed inputs under
 * {@code MessageCodecFuzzTestInputs/decodeBody/} (one valid body of every message type, op and status and two
 * with hostile lengths, written by {@link FuzzCorpusTest}, plus any regression input); the random tests below
 * add thousands of mutations of the samples. {@code mvn -Pfuzz} fuzzes it for millions of inputs (see docs/TESTING.md).
 */
@ExtendWith(SeedExtension.class)
class MessageCodecFuzzTest {

    private static final int CASES = 5000;

    /** Heap bytes decoding may allocate beyond {@value #ALLOCATION_PER_BYTE} per input byte (messages, exceptions). */
    static final long ALLOCATION_SLACK_BYTES = 64 * 1024;
    /** Heap bytes decoding may allocate per input byte: page data copied once, strings decoded through chars. */
    static final int ALLOCATION_PER_BYTE = 8;

    /** Jazzer's target: one type byte and body, as {@link MessageCodec#decode} gets it after the length prefix. */
    @Timeout(value = 5, unit = TimeUnit.SECONDS) // per input; also Jazzer's -timeout in fuzzing mode
    @FuzzTest(maxDuration = "30s")
    void decodeBody(byte[] body) {
        checkBody(body);
    }

    /**
     * Checks every property for one input; returns the decoded message, or null if it was rejected (with a
     * {@link CorruptFrameException} that says why).
     */
    static Message checkBody(byte[] body) {
        Message decoded = null;
        CorruptFrameException rejected = null;
        long allocated = 0;
        for (int attempt = 0; attempt < 2; attempt++) { // a second try excludes one-time class initialisation
            long before = AllocationMeter.allocatedBytes();
            try {
                decoded = Wire.decode(body);
            } catch (CorruptFrameException e) {
                rejected = e;
            } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
                throw new AssertionError("decoding " + hex(body) + " threw " + e + " instead of a CorruptFrameException", e);
            }
            allocated = AllocationMeter.allocatedBytes() - before;
            if (allocated <= ALLOCATION_PER_BYTE * (long) body.length + ALLOCATION_SLACK_BYTES) {
                break;
            }
            if (attempt == 1) {
                throw new AssertionError("decoding " + body.length + " bytes allocated " + allocated + " bytes (bound: "
                        + ALLOCATION_PER_BYTE + " per byte + " + ALLOCATION_SLACK_BYTES + "): an allocation sized by a"
                        + " length field? input " + hex(body));
            }
        }
        if (rejected != null) {
            if (rejected.getMessage() == null || rejected.getMessage().isBlank()) {
                throw new AssertionError("a rejection must say why; input " + hex(body), rejected);
            }
            return null;
        }
        byte[] reencoded;
        try {
            reencoded = Wire.body(decoded);
        } catch (RuntimeException e) {
            throw new AssertionError("decoded " + decoded.type() + " does not encode again: " + e + "; input " + hex(body), e);
        }
        if (!Arrays.equals(body, reencoded)) {
            throw new AssertionError("accepted but not canonical: " + hex(body) + " re-encodes as " + hex(reencoded));
        }
        Object fields = Wire.fields(decoded);
        Object again = Wire.fields(Wire.decode(reencoded));
        if (!fields.equals(again)) {
            throw new AssertionError("round trip changed the message: " + fields + " became " + again);
        }
        return decoded;
    }

    /** The fixed samples plus random small messages of every type. */
    static List<byte[]> seeds(SplittableRandom random) {
        List<byte[]> bodies = new ArrayList<>();
        for (Message m : RandomMessages.samples()) {
            bodies.add(Wire.body(m));
        }
        // a smaller I/O limit keeps random page runs small, so mutations land in headers as often as in data
        RandomMessages gen = new RandomMessages(random, new WireLimits(WireLimits.MAX_PAGE_SIZE + (64 << 10),
                WireLimits.MAX_PAGE_SIZE));
        for (MessageType type : MessageType.values()) {
            for (int i = 0; i < 5; i++) {
                bodies.add(Wire.body(gen.message(type)));
            }
        }
        return bodies;
    }

    static byte[] mutate(byte[] in, SplittableRandom random) {
        byte[] b = in.clone();
        int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            int at = b.length == 0 ? 0 : random.nextInt(b.length);
            switch (random.nextInt(7)) {
                case 0 -> { // flip one bit
                    if (b.length > 0) {
                        b[at] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 1 -> { // overwrite a byte
                    if (b.length > 0) {
                        b[at] = (byte) random.nextInt(256);
                    }
                }
                case 2 -> { // insert bytes
                    byte[] extra = new byte[1 + random.nextInt(4)];
                    random.nextBytes(extra);
                    b = Wire.concat(Arrays.copyOf(b, at), extra, Arrays.copyOfRange(b, at, b.length));
                }
                case 3 -> { // delete bytes
                    int n = Math.min(b.length - at, 1 + random.nextInt(4));
                    b = Wire.concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, at + n, b.length));
                }
                case 4 -> { // a length-looking field set to an extreme
                    if (b.length >= at + 4) {
                        int[] extremes = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0xFFFF, 0x10000, 1 << 20};
                        Unpooled.wrappedBuffer(b).setInt(at, extremes[random.nextInt(extremes.length)]);
                    }
                }
                case 5 -> b = Arrays.copyOf(b, at); // truncate
                default -> { // a u16 set to an extreme (string lengths, versions)
                    if (b.length >= at + 2) {
                        Unpooled.wrappedBuffer(b).setShort(at, random.nextBoolean() ? 0xFFFF : Protocol.MAX_STRING_BYTES + 1);
                    }
                }
            }
        }
        return b;
    }

    @Test
    void mutatedBodiesDecodeCanonicallyOrFailCleanly(Seed seed) {
        SplittableRandom random = seed.splittable();
        List<byte[]> seeds = seeds(random);
        int accepted = 0;
        for (int i = 0; i < CASES; i++) {
            byte[] mutated = mutate(seeds.get(random.nextInt(seeds.size())), random);
            if (checkBody(mutated) != null) {
                accepted++;
            }
        }
        // most mutations must be caught, and some (flips in free fields) must survive: both paths ran
        assertTrue(accepted > 0 && accepted < CASES / 2, "accepted " + accepted + " of " + CASES);
    }

    @Test
    void mutatedStreamsThroughTheFrameDecoderFailOnlyWithFrameExceptions(Seed seed) {
        SplittableRandom random = seed.splittable();
        List<byte[]> seeds = seeds(random);
        for (int i = 0; i < 1500; i++) {
            // a valid frame, then a mutated frame (prefix included), then another valid frame
            byte[] first = withPrefix(seeds.get(random.nextInt(seeds.size())));
            byte[] bad = mutate(withPrefix(seeds.get(random.nextInt(seeds.size()))), random);
            byte[] stream = Wire.concat(first, bad, Wire.frame(new Message.Heartbeat(i)));
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(Wire.CODEC));
            int at = 0;
            boolean failed = false;
            while (at < stream.length) {
                int n = Math.min(stream.length - at, 1 + random.nextInt(64));
                ByteBuf chunk = Unpooled.wrappedBuffer(stream, at, n);
                at += n;
                try {
                    ch.writeInbound(chunk);
                } catch (CorruptFrameException | FrameTooLongException e) {
                    assertFalse(failed, "the decoder raises only once");
                    failed = true;
                } catch (DecoderException e) {
                    fail("case " + i + ": wrapped non-frame exception " + e.getCause() + " in " + hex(stream), e);
                }
                assertTrue(chunk.refCnt() == 0 || !failed, "input after a failure is released, not buffered");
            }
            List<Message> out = new ArrayList<>();
            for (Object o; (o = ch.readInbound()) != null; ) {
                out.add((Message) o);
            }
            assertFalse(out.isEmpty(), "the valid frame before the mutation is decoded");
            assertArrayEquals(first, Wire.frame(out.get(0)));
            // every decoded message is the next frame of the stream, byte for byte: nothing is skipped,
            // reordered or decoded past a failure
            byte[] decodedFrames = new byte[0];
            for (Message m : out) {
                decodedFrames = Wire.concat(decodedFrames, Wire.frame(m));
            }
            assertArrayEquals(Arrays.copyOf(stream, Math.min(stream.length, decodedFrames.length)), decodedFrames);
            if (failed) {
                assertTrue(decodedFrames.length < stream.length, "the failing frame itself is not decoded");
            }
            ch.finishAndReleaseAll();
            assertNull(ch.readInbound());
        }
    }

    static byte[] withPrefix(byte[] body) {
        return Wire.concat(new byte[] {(byte) (body.length >>> 24), (byte) (body.length >>> 16),
                (byte) (body.length >>> 8), (byte) body.length}, body);
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b, 0, Math.min(b.length, 200)) + (b.length > 200 ? "…(" + b.length + " bytes)" : "");
    }
}
