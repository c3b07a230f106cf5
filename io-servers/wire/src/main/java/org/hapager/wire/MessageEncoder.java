package org.hapager.wire;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes messages as frames, laid out as {@link MessageCodec}'s table of bodies says. A field that does not fit
 * the protocol (a nonce of the wrong length, a string over its bound, a frame over {@code maxFrameBytes}) raises
 * {@link IllegalArgumentException}; a frame too long leaves nothing of itself in the buffer.
 */
final class MessageEncoder {

    private final WireLimits limits;

    MessageEncoder(WireLimits limits) {
        this.limits = limits;
    }

    /** See {@link MessageCodec#encodeFrame}. */
    void encodeFrame(Message message, ByteBuf out) {
        int lengthIndex = out.writerIndex();
        out.writeInt(0);
        out.writeByte(message.type().code);
        encodeBody(message, out);
        int frameLength = out.writerIndex() - lengthIndex - Protocol.LENGTH_FIELD_BYTES;
        if (frameLength > limits.maxFrameBytes()) {
            out.writerIndex(lengthIndex);
            throw new IllegalArgumentException(message.type() + " frame of " + frameLength
                    + " bytes exceeds maxFrameBytes " + limits.maxFrameBytes());
        }
        out.setInt(lengthIndex, frameLength);
    }

    /**
     * About how many bytes {@link #encodeFrame} writes for {@code message}: exact for the pages and checksums
     * that make up a large frame, with room for its fixed fields and a short volume name or error text. An
     * encoder allocates this much so that a 1 MiB answer takes one buffer of its size, not a series of doublings
     * that end in a 2 MiB buffer.
     */
    int frameSizeHint(Message message) {
        int pages = 0;
        int pageCount = 0;
        if (message instanceof Message.Request r && r.op() instanceof Op.Write w) {
            pages = w.data().remaining();
            pageCount = w.pageCount();
        } else if (message instanceof Message.Request r && r.op() instanceof Op.CompareAndWrite c) {
            pages = 2 * c.pageSize();
            pageCount = 2;
        } else if (message instanceof Message.Completion c && c.outcome() instanceof Outcome.PagesRead r) {
            pages = r.data().remaining();
            pageCount = r.crcs().length;
        } else if (message instanceof Message.Completion c && c.outcome() instanceof Outcome.Compared cmp) {
            pages = cmp.current().remaining();
            pageCount = 1;
        }
        return SMALL_FRAME_BYTES + pages + 4 * pageCount;
    }

    /** Room for a frame's fixed fields and a short string: what {@link #frameSizeHint} adds to the pages. */
    private static final int SMALL_FRAME_BYTES = 256;

    private void encodeBody(Message message, ByteBuf out) {
        switch (message.type()) {
            case HELLO -> {
                Message.Hello m = (Message.Hello) message;
                out.writeInt(m.magic());
                out.writeShort(m.minVersion());
                out.writeShort(m.maxVersion());
                writeFixed(out, m.clientNonce(), HandshakeProof.NONCE_BYTES, "client nonce");
                writeString(out, m.clientName(), Protocol.MAX_CLIENT_NAME_BYTES, "client name");
            }
            case CHALLENGE -> {
                Message.Challenge m = (Message.Challenge) message;
                out.writeShort(m.version());
                writeFixed(out, m.serverNonce(), HandshakeProof.NONCE_BYTES, "server nonce");
                writeString(out, m.serverId());
            }
            case AUTH -> {
                Message.Auth m = (Message.Auth) message;
                writeFixed(out, m.clientProof(), HandshakeProof.PROOF_BYTES, "client proof");
                out.writeInt(m.leaseMillis());
            }
            case AUTH_OK -> {
                Message.AuthOk m = (Message.AuthOk) message;
                writeFixed(out, m.serverProof(), HandshakeProof.PROOF_BYTES, "server proof");
                out.writeLong(m.sessionId());
                out.writeInt(m.leaseMillis());
                out.writeInt(m.maxInflight());
                out.writeInt(m.maxFrameBytes());
            }
            case REQUEST -> {
                Message.Request m = (Message.Request) message;
                out.writeLong(m.requestId());
                encodeOp(m.op(), out);
            }
            case ACCEPTED -> out.writeLong(((Message.Accepted) message).requestId());
            case COMPLETION -> {
                Message.Completion m = (Message.Completion) message;
                out.writeLong(m.requestId());
                out.writeByte(m.op().code);
                out.writeByte(m.status().code);
                if (m.status() == Status.OK) {
                    encodeOutcome(m.op(), m.outcome(), out);
                } else {
                    writeString(out, m.error() == null ? "" : m.error());
                }
            }
            case HEARTBEAT -> out.writeLong(((Message.Heartbeat) message).sequence());
            case HEARTBEAT_ACK -> out.writeLong(((Message.HeartbeatAck) message).sequence());
            case DRAINING -> writeString(out, ((Message.Draining) message).reason());
            case YIELD -> {
                Message.Yield m = (Message.Yield) message;
                writeString(out, m.takerId());
                writeString(out, m.reason());
            }
            case YIELDED -> {
                Message.Yielded m = (Message.Yielded) message;
                out.writeBoolean(m.released());
                writeString(out, m.detail());
            }
            case ERROR -> {
                Message.Error m = (Message.Error) message;
                out.writeShort(m.code());
                writeString(out, m.text());
            }
        }
    }

    private void encodeOp(Op op, ByteBuf out) {
        out.writeByte(op.code().code);
        writeString(out, op.volume());
        switch (op.code()) {
            case READ -> {
                Op.Read r = (Op.Read) op;
                out.writeInt(r.pageSize());
                out.writeLong(r.firstPage());
                out.writeInt(r.pageCount());
            }
            case WRITE, WRITE_BUFFERED -> {
                Op.Write w = (Op.Write) op;
                out.writeInt(w.pageSize());
                out.writeLong(w.firstPage());
                out.writeInt(w.pageCount());
                writePages(out, w.crcs(), w.data(), w.pageSize(), w.pageCount());
            }
            case CREATE -> out.writeBoolean(((Op.Create) op).exclusive());
            case RENAME -> {
                Op.Rename r = (Op.Rename) op;
                writeString(out, r.target());
                out.writeBoolean(r.replace());
            }
            case SET_LENGTH -> out.writeLong(((Op.SetLength) op).length());
            case COMPARE_AND_WRITE -> {
                Op.CompareAndWrite c = (Op.CompareAndWrite) op;
                out.writeInt(c.pageSize());
                out.writeLong(c.page());
                out.writeInt(c.expectedCrc());
                out.writeInt(c.dataCrc());
                writePage(out, c.expected(), c.pageSize(), "expected");
                writePage(out, c.data(), c.pageSize(), "data");
            }
            case SYNC, DELETE, LIST, STAT, MKDIRS -> { }
        }
    }

    private void encodeOutcome(OpCode op, Outcome outcome, ByteBuf out) {
        switch (op) {
            case READ -> {
                Outcome.PagesRead r = (Outcome.PagesRead) outcome;
                int pageCount = r.crcs().length;
                int pageSize = pageCount == 0 ? 0 : r.data().remaining() / pageCount;
                out.writeLong(r.volumeLength());
                out.writeInt(pageCount);
                out.writeInt(pageSize);
                writePages(out, r.crcs(), r.data(), pageSize, pageCount);
            }
            case WRITE, WRITE_BUFFERED -> out.writeLong(((Outcome.PagesWritten) outcome).volumeLength());
            case COMPARE_AND_WRITE -> {
                Outcome.Compared c = (Outcome.Compared) outcome;
                out.writeBoolean(c.written());
                out.writeLong(c.volumeLength());
                if (!c.written()) {
                    out.writeInt(c.current().remaining());
                    out.writeInt(c.crc());
                    out.writeBytes(c.current().duplicate());
                }
            }
            case STAT -> {
                Outcome.Stat s = (Outcome.Stat) outcome;
                out.writeByte((s.exists() ? 1 : 0) | (s.directory() ? 2 : 0));
                out.writeLong(s.length());
            }
            case LIST -> {
                java.util.List<Outcome.Entry> entries = ((Outcome.Listing) outcome).entries();
                out.writeInt(entries.size());
                for (Outcome.Entry e : entries) {
                    writeString(out, e.name());
                    out.writeBoolean(e.directory());
                    out.writeLong(e.length());
                }
            }
            default -> { }
        }
    }

    private static void writePages(ByteBuf out, int[] crcs, ByteBuffer data, int pageSize, int pageCount) {
        if (crcs.length != pageCount || data.remaining() != pageCount * pageSize) {
            throw new IllegalArgumentException(pageCount + " pages of " + pageSize + " bytes need " + pageCount
                    + " checksums and " + (pageCount * pageSize) + " data bytes; got " + crcs.length
                    + " and " + data.remaining());
        }
        for (int crc : crcs) {
            out.writeInt(crc);
        }
        out.writeBytes(data.duplicate());
    }

    private static void writePage(ByteBuf out, ByteBuffer page, int pageSize, String what) {
        if (page.remaining() != pageSize) {
            throw new IllegalArgumentException(what + " page : " + page.remaining() + " bytes (expected: " + pageSize + ")");
        }
        out.writeBytes(page.duplicate());
    }

    private static void writeFixed(ByteBuf out, byte[] bytes, int length, String what) {
        if (bytes.length != length) {
            throw new IllegalArgumentException(what + " : " + bytes.length + " bytes (expected: " + length + ")");
        }
        out.writeBytes(bytes);
    }

    private static void writeString(ByteBuf out, String s) {
        writeString(out, s, Protocol.MAX_STRING_BYTES, "string");
    }

    private static void writeString(ByteBuf out, String s, int maxBytes, String what) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > maxBytes) {
            throw new IllegalArgumentException(what + " of " + bytes.length + " bytes exceeds " + maxBytes);
        }
        out.writeShort(bytes.length);
        out.writeBytes(bytes);
    }
}
