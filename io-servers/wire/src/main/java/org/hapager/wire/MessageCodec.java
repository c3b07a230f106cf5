package org.hapager.wire;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;

/**
 * Encodes and decodes message bodies. Pure functions over {@link ByteBuf}: no channel, no state, so tests
 * drive it directly. Decoding treats every length as hostile and checks it against {@link WireLimits}
 * before allocating; each kind of bad input has its own {@code fail…} method so {@link #decode} reads
 * straight through.
 *
 * <h2>Bodies</h2>
 * <pre>
 * HELLO       magic:u32 minVersion:u16 maxVersion:u16 clientNonce:32 clientName:str (at most MAX_CLIENT_NAME_BYTES)
 * CHALLENGE   version:u16 serverNonce:32 serverId:str
 * AUTH        clientProof:32 leaseMillis:u32
 * AUTH_OK     serverProof:32 sessionId:u64 leaseMillis:u32 maxInflight:u32 maxFrameBytes:u32
 * REQUEST     requestId:u64 op:u8 op-fields
 *   READ        name:str pageSize:u32 firstPage:u64 pageCount:u32
 *   WRITE, WRITE_BUFFERED   name:str pageSize:u32 firstPage:u64 pageCount:u32 crc:u32×pageCount data:pageSize×pageCount
 *   SYNC, DELETE, STAT, MKDIRS   name:str
 *   CREATE      name:str exclusive:u8
 *   RENAME      name:str target:str replace:u8
 *   LIST        name:str (empty: the root)
 *   SET_LENGTH  name:str length:u64
 *   COMPARE_AND_WRITE  name:str pageSize:u32 page:u64 expectedCrc:u32 dataCrc:u32 expected:pageSize data:pageSize
 * ACCEPTED    requestId:u64
 * COMPLETION  requestId:u64 op:u8 status:u8 then, if status is OK, the outcome, else error:str
 *   READ        volumeLength:u64 pageCount:u32 pageSize:u32 crc:u32×pageCount data:pageSize×pageCount
 *   WRITE, WRITE_BUFFERED   volumeLength:u64
 *   STAT        flags:u8 (1 exists, 2 directory) length:u64
 *   LIST        count:u32 then count × (name:str directory:u8 length:u64)
 *   COMPARE_AND_WRITE  written:u8 volumeLength:u64, then if not written: pageSize:u32 crc:u32 current:pageSize
 *   others      nothing
 * HEARTBEAT, HEARTBEAT_ACK   sequence:u64
 * DRAINING    reason:str
 * YIELD       takerId:str reason:str
 * YIELDED     released:u8 detail:str
 * ERROR       code:u16 text:str
 * </pre>
 */
public final class MessageCodec {

    private final WireLimits limits;

    public MessageCodec(WireLimits limits) {
        this.limits = limits;
    }

    public WireLimits limits() {
        return limits;
    }

    // ------------------------------------------------------------------ encode

    /** Appends the whole frame (length prefix, type, body) to {@code out}. */
    public void encodeFrame(Message message, ByteBuf out) {
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
    public int frameSizeHint(Message message) {
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

    // ------------------------------------------------------------------ decode

    /**
     * Decodes one frame's type and body ({@code frame} holds exactly that: the length prefix already
     * removed). Throws {@link CorruptFrameException} for anything the protocol does not allow.
     */
    public Message decode(ByteBuf frame) {
        need(frame, 1, "type");
        int code = frame.readUnsignedByte();
        MessageType type = MessageType.of(code);
        if (type == null) {
            throw fail("unknown message type " + code);
        }
        Message message = switch (type) {
            case HELLO -> new Message.Hello(readInt(frame, "magic"), readU16(frame, "min version"),
                    readU16(frame, "max version"), readFixed(frame, HandshakeProof.NONCE_BYTES, "client nonce"),
                    readString(frame, "client name", Protocol.MAX_CLIENT_NAME_BYTES));
            case CHALLENGE -> new Message.Challenge(readU16(frame, "version"),
                    readFixed(frame, HandshakeProof.NONCE_BYTES, "server nonce"), readString(frame, "server id"));
            case AUTH -> new Message.Auth(readFixed(frame, HandshakeProof.PROOF_BYTES, "client proof"),
                    readPositiveInt(frame, "lease millis"));
            case AUTH_OK -> new Message.AuthOk(readFixed(frame, HandshakeProof.PROOF_BYTES, "server proof"),
                    readLong(frame, "session id"), readPositiveInt(frame, "lease millis"),
                    readPositiveInt(frame, "max inflight"), readPositiveInt(frame, "max frame bytes"));
            case REQUEST -> new Message.Request(readLong(frame, "request id"), decodeOp(frame));
            case ACCEPTED -> new Message.Accepted(readLong(frame, "request id"));
            case COMPLETION -> decodeCompletion(frame);
            case HEARTBEAT -> new Message.Heartbeat(readLong(frame, "sequence"));
            case HEARTBEAT_ACK -> new Message.HeartbeatAck(readLong(frame, "sequence"));
            case DRAINING -> new Message.Draining(readString(frame, "reason"));
            case YIELD -> new Message.Yield(readString(frame, "taker id"), readString(frame, "reason"));
            case YIELDED -> new Message.Yielded(readBoolean(frame, "released"), readString(frame, "detail"));
            case ERROR -> new Message.Error(readU16(frame, "error code"), readString(frame, "error text"));
        };
        if (frame.isReadable()) {
            throw fail(type + " frame has " + frame.readableBytes() + " unexpected trailing bytes");
        }
        return message;
    }

    private Op decodeOp(ByteBuf in) {
        int code = readU8(in, "op");
        OpCode op = OpCode.of(code);
        if (op == null) {
            throw fail("unknown op " + code);
        }
        String name = op == OpCode.LIST ? readDirectoryName(in) : readVolumeName(in, "volume name");
        return switch (op) {
            case READ -> {
                int pageSize = readInt(in, "page size");
                long firstPage = readLong(in, "first page");
                int pageCount = readInt(in, "page count");
                checkRun(pageSize, firstPage, pageCount);
                yield new Op.Read(name, pageSize, firstPage, pageCount);
            }
            case WRITE, WRITE_BUFFERED -> {
                int pageSize = readInt(in, "page size");
                long firstPage = readLong(in, "first page");
                int pageCount = readInt(in, "page count");
                checkRun(pageSize, firstPage, pageCount);
                int[] crcs = readCrcs(in, pageCount);
                yield new Op.Write(name, pageSize, firstPage, pageCount, crcs, readData(in, pageSize, pageCount),
                        op == OpCode.WRITE);
            }
            case SYNC -> new Op.Sync(name);
            case CREATE -> new Op.Create(name, readBoolean(in, "exclusive"));
            case DELETE -> new Op.Delete(name);
            case RENAME -> new Op.Rename(name, readVolumeName(in, "rename target"), readBoolean(in, "replace"));
            case LIST -> new Op.List(name);
            case STAT -> new Op.Stat(name);
            case SET_LENGTH -> {
                long length = readLong(in, "length");
                if (length < 0) {
                    throw fail("negative length " + length);
                }
                yield new Op.SetLength(name, length);
            }
            case MKDIRS -> new Op.Mkdirs(name);
            case COMPARE_AND_WRITE -> {
                int pageSize = readInt(in, "page size");
                long page = readLong(in, "page");
                checkRun(pageSize, page, 1);
                int expectedCrc = readInt(in, "expected checksum");
                int dataCrc = readInt(in, "data checksum");
                ByteBuffer expected = readData(in, pageSize, 1);
                yield new Op.CompareAndWrite(name, pageSize, page, expectedCrc, expected, dataCrc, readData(in, pageSize, 1));
            }
        };
    }

    private Message.Completion decodeCompletion(ByteBuf in) {
        long requestId = readLong(in, "request id");
        int opCode = readU8(in, "op");
        OpCode op = OpCode.of(opCode);
        if (op == null) {
            throw fail("unknown op " + opCode + " in completion");
        }
        int statusCode = readU8(in, "status");
        Status status = Status.of(statusCode);
        if (status == null) {
            throw fail("unknown status " + statusCode);
        }
        if (status != Status.OK) {
            return Message.Completion.failed(requestId, op, status, readString(in, "error text"));
        }
        Outcome outcome = switch (op) {
            case READ -> {
                long volumeLength = readNonNegativeLong(in, "volume length");
                int pageCount = readInt(in, "page count");
                int pageSize = readInt(in, "page size");
                checkRun(pageSize, 0, pageCount);
                int[] crcs = readCrcs(in, pageCount);
                yield new Outcome.PagesRead(volumeLength, crcs, readData(in, pageSize, pageCount));
            }
            case WRITE, WRITE_BUFFERED -> new Outcome.PagesWritten(readNonNegativeLong(in, "volume length"));
            case STAT -> {
                int flags = readU8(in, "stat flags");
                if ((flags & ~3) != 0) {
                    throw fail("unknown stat flags 0x" + Integer.toHexString(flags));
                }
                yield new Outcome.Stat((flags & 1) != 0, (flags & 2) != 0, readNonNegativeLong(in, "length"));
            }
            case LIST -> decodeListing(in);
            case COMPARE_AND_WRITE -> {
                boolean written = readBoolean(in, "written");
                long volumeLength = readNonNegativeLong(in, "volume length");
                if (written) {
                    yield Outcome.Compared.written(volumeLength);
                }
                int pageSize = readInt(in, "page size");
                checkRun(pageSize, 0, 1);
                int crc = readInt(in, "page checksum");
                yield new Outcome.Compared(false, volumeLength, crc, readData(in, pageSize, 1));
            }
            default -> Outcome.Done.INSTANCE;
        };
        return Message.Completion.ok(requestId, op, outcome);
    }

    private Outcome.Listing decodeListing(ByteBuf in) {
        int count = readInt(in, "entry count");
        // each entry takes at least 2 + 1 + 1 + 8 bytes: a count the frame cannot hold is a lie
        if (count < 0 || (long) count * 12 > in.readableBytes()) {
            throw fail("entry count " + count + " does not fit in the " + in.readableBytes() + " bytes left");
        }
        ArrayList<Outcome.Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = readString(in, "entry name");
            String problem = name.indexOf('/') >= 0 ? "name contains a slash" : VolumeName.problem(name, false);
            if (problem != null) {
                throw fail("bad directory entry name: " + problem);
            }
            entries.add(new Outcome.Entry(name, readBoolean(in, "entry is directory"), readNonNegativeLong(in, "entry length")));
        }
        return new Outcome.Listing(java.util.List.copyOf(entries));
    }

    private void checkRun(int pageSize, long firstPage, int pageCount) {
        String problem = limits.checkRun(pageSize, firstPage, pageCount);
        if (problem != null) {
            throw fail("bad page run: " + problem);
        }
    }

    private static int[] readCrcs(ByteBuf in, int pageCount) {
        need(in, pageCount * 4L, "page checksums");
        int[] crcs = new int[pageCount];
        for (int i = 0; i < pageCount; i++) {
            crcs[i] = in.readInt();
        }
        return crcs;
    }

    private static ByteBuffer readData(ByteBuf in, int pageSize, int pageCount) {
        int length = pageSize * pageCount; // checkRun bounded this by maxIoBytes
        need(in, length, "page data");
        byte[] data = new byte[length];
        in.readBytes(data);
        return ByteBuffer.wrap(data);
    }

    private static String readVolumeName(ByteBuf in, String what) {
        String name = readString(in, what);
        String problem = VolumeName.problem(name, false);
        if (problem != null) {
            throw fail("bad " + what + ": " + problem);
        }
        return name;
    }

    private static String readDirectoryName(ByteBuf in) {
        String name = readString(in, "directory name");
        String problem = VolumeName.problem(name, true);
        if (problem != null) {
            throw fail("bad directory name: " + problem);
        }
        return name;
    }

    private static String readString(ByteBuf in, String what) {
        return readString(in, what, Protocol.MAX_STRING_BYTES);
    }

    private static String readString(ByteBuf in, String what, int maxBytes) {
        int length = readU16(in, what + " length");
        if (length > maxBytes) {
            throw fail(what + " of " + length + " bytes exceeds " + maxBytes);
        }
        need(in, length, what);
        ByteBuffer bytes = in.nioBuffer(in.readerIndex(), length);
        in.skipBytes(length);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw fail(what + " is not valid UTF-8");
        }
    }

    private static byte[] readFixed(ByteBuf in, int length, String what) {
        need(in, length, what);
        byte[] bytes = new byte[length];
        in.readBytes(bytes);
        return bytes;
    }

    private static boolean readBoolean(ByteBuf in, String what) {
        int b = readU8(in, what);
        if (b > 1) {
            throw fail(what + " flag is " + b + " (expected: 0 or 1)");
        }
        return b == 1;
    }

    private static int readU8(ByteBuf in, String what) {
        need(in, 1, what);
        return in.readUnsignedByte();
    }

    private static int readU16(ByteBuf in, String what) {
        need(in, 2, what);
        return in.readUnsignedShort();
    }

    private static int readInt(ByteBuf in, String what) {
        need(in, 4, what);
        return in.readInt();
    }

    private static int readPositiveInt(ByteBuf in, String what) {
        int v = readInt(in, what);
        if (v <= 0) {
            throw fail(what + " is " + v + " (expected: > 0)");
        }
        return v;
    }

    private static long readLong(ByteBuf in, String what) {
        need(in, 8, what);
        return in.readLong();
    }

    private static long readNonNegativeLong(ByteBuf in, String what) {
        long v = readLong(in, what);
        if (v < 0) {
            throw fail(what + " is " + v + " (expected: >= 0)");
        }
        return v;
    }

    private static void need(ByteBuf in, long bytes, String what) {
        if (in.readableBytes() < bytes) {
            throw fail("truncated frame: " + what + " needs " + bytes + " bytes, " + in.readableBytes() + " left");
        }
    }

    private static CorruptFrameException fail(String reason) {
        return new CorruptFrameException(reason);
    }
}
