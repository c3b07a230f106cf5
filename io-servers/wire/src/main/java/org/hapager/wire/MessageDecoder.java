package org.hapager.wire;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;

/**
 * Reads message bodies laid out as {@link MessageCodec}'s table says, from a peer that may be hostile. Every
 * length is treated as hostile and checked against {@link WireLimits} and the bytes left before anything is
 * allocated; each kind of bad input has its own {@code read…} check so {@link #decode} reads straight through,
 * and every rejection is a {@link CorruptFrameException} naming what was wrong.
 */
final class MessageDecoder {

    private final WireLimits limits;

    MessageDecoder(WireLimits limits) {
        this.limits = limits;
    }

    /** See {@link MessageCodec#decode}. */
    Message decode(ByteBuf frame) {
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
