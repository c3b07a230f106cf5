package org.hapager.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** Byte-level helpers shared by the codec tests: encode, decode, build hostile bodies by hand. */
final class Wire {

    static final MessageCodec CODEC = new MessageCodec(WireLimits.DEFAULT);

    private Wire() {
    }

    /** The whole frame: length prefix, type, body. */
    static byte[] frame(Message message) {
        ByteBuf out = Unpooled.buffer();
        CODEC.encodeFrame(message, out);
        return ByteBufUtil.getBytes(out);
    }

    /** Type byte and body, as {@link MessageCodec#decode} expects them. */
    static byte[] body(Message message) {
        byte[] frame = frame(message);
        return Arrays.copyOfRange(frame, Protocol.LENGTH_FIELD_BYTES, frame.length);
    }

    static Message decode(byte[] typeAndBody) {
        return CODEC.decode(Unpooled.wrappedBuffer(typeAndBody));
    }

    /** Decodes {@code m}'s encoding and checks that the result encodes to the same bytes and fields. */
    static Message roundTrip(Message m) {
        byte[] body = body(m);
        Message decoded = decode(body);
        assertArrayEquals(body, body(decoded), () -> "re-encoding of " + m.type() + " differs");
        assertEquals(fields(m), fields(decoded), () -> m.type() + " fields differ after decoding");
        return decoded;
    }

    /** Asserts that decoding fails with a {@link CorruptFrameException} whose message has every fragment. */
    static CorruptFrameException rejects(byte[] typeAndBody, String... fragments) {
        CorruptFrameException e = assertThrows(CorruptFrameException.class, () -> decode(typeAndBody),
                () -> "accepted " + HexFormat.of().formatHex(typeAndBody, 0, Math.min(64, typeAndBody.length)));
        for (String fragment : fragments) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(fragment),
                    () -> "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
        }
        return e;
    }

    /**
     * A value-comparable view of a message: record components become lists, arrays become strings, and
     * byte buffers stay (they compare their remaining content).
     */
    static Object fields(Object value) {
        if (value instanceof byte[] b) {
            return HexFormat.of().formatHex(b);
        }
        if (value instanceof int[] a) {
            return Arrays.toString(a);
        }
        if (value instanceof ByteBuffer b) {
            return b.duplicate();
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object o : list) {
                out.add(fields(o));
            }
            return out;
        }
        if (value instanceof Record r) {
            List<Object> out = new ArrayList<>();
            out.add(r.getClass().getSimpleName());
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                try {
                    out.add(fields(c.getAccessor().invoke(r)));
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }
            return out;
        }
        return value;
    }

    // ------------------------------------------------------------------ hand-built bodies

    /** Starts a body with its type byte. */
    static ByteBuf start(MessageType type) {
        return Unpooled.buffer().writeByte(type.code);
    }

    /** A request body up to and including the volume name. */
    static ByteBuf request(OpCode op, String volume) {
        ByteBuf b = start(MessageType.REQUEST).writeLong(7).writeByte(op.code);
        return str(b, volume);
    }

    /** A completion body up to and including the status. */
    static ByteBuf completion(OpCode op, Status status) {
        return start(MessageType.COMPLETION).writeLong(7).writeByte(op.code).writeByte(status.code);
    }

    static ByteBuf str(ByteBuf b, String s) {
        return raw(b, s.getBytes(StandardCharsets.UTF_8));
    }

    /** A string field holding exactly these bytes (which need not be valid UTF-8). */
    static ByteBuf raw(ByteBuf b, byte[] bytes) {
        return b.writeShort(bytes.length).writeBytes(bytes);
    }

    static byte[] bytes(ByteBuf b) {
        return ByteBufUtil.getBytes(b);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static byte[] nonce(int fill) {
        byte[] b = new byte[HandshakeProof.NONCE_BYTES];
        Arrays.fill(b, (byte) fill);
        return b;
    }
}
