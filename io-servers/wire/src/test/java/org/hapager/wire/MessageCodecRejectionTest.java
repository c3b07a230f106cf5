package org.hapager.wire;

import static org.hapager.wire.Wire.bytes;
import static org.hapager.wire.Wire.completion;
import static org.hapager.wire.Wire.rejects;
import static org.hapager.wire.Wire.request;
import static org.hapager.wire.Wire.start;
import static org.hapager.wire.Wire.str;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every structural kind of malformed body is a {@link CorruptFrameException} that says what was wrong. */
class MessageCodecRejectionTest {

    private static final int MAX_IO = WireLimits.DEFAULT.maxIoBytes();

    @Test
    void everyTruncationOfEveryValidMessageIsRejected() {
        for (Message m : RandomMessages.samples()) {
            byte[] body = Wire.body(m);
            for (int i = 0; i < body.length; i++) {
                int cut = i;
                byte[] truncated = Arrays.copyOf(body, cut);
                CorruptFrameException e = assertThrows(CorruptFrameException.class, () -> Wire.decode(truncated),
                        m + " cut at " + cut);
                String why = e.getMessage();
                // a listing's entry count is checked against the bytes left before any entry is read
                assertTrue(why.startsWith("truncated frame: ") || why.contains("does not fit"),
                        () -> m + " cut at " + cut + ": " + why);
            }
        }
    }

    @Test
    void emptyBodyNamesTheMissingType() {
        rejects(new byte[0], "truncated frame: type needs 1 bytes, 0 left");
    }

    @Test
    void trailingBytesAfterEveryValidMessageAreRejected() {
        for (Message m : RandomMessages.samples()) {
            byte[] body = Wire.body(m);
            rejects(Wire.concat(body, new byte[] {0}), m.type() + " frame has 1 unexpected trailing bytes");
            rejects(Wire.concat(body, new byte[3]), "3 unexpected trailing bytes");
        }
    }

    @Test
    void unknownMessageTypesAreRejected() {
        for (int code = 0; code < 256; code++) {
            if (MessageType.of(code) == null) {
                rejects(new byte[] {(byte) code, 0, 0, 0, 0, 0, 0, 0, 0}, "unknown message type " + code);
            }
        }
    }

    @Test
    void unknownOpsAreRejectedInRequestsAndCompletions() {
        for (int code = 0; code < 256; code++) {
            if (OpCode.of(code) == null) {
                ByteBuf req = str(start(MessageType.REQUEST).writeLong(1).writeByte(code), "v");
                rejects(bytes(req), "unknown op " + code);
                ByteBuf done = start(MessageType.COMPLETION).writeLong(1).writeByte(code).writeByte(0);
                rejects(bytes(done), "unknown op " + code + " in completion");
            }
        }
    }

    @Test
    void unknownStatusesAreRejected() {
        for (int code = 0; code < 256; code++) {
            if (Status.of(code) == null) {
                ByteBuf b = start(MessageType.COMPLETION).writeLong(1).writeByte(OpCode.SYNC.code).writeByte(code);
                rejects(bytes(str(b, "")), "unknown status " + code);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 0x80, 0xFF})
    void booleanFlagsOtherThanZeroOrOneAreRejected(int flag) {
        rejects(bytes(request(OpCode.CREATE, "v").writeByte(flag)), "exclusive flag is " + flag + " (expected: 0 or 1)");
        rejects(bytes(str(request(OpCode.RENAME, "v"), "w").writeByte(flag)), "replace flag is " + flag);
        ByteBuf list = completion(OpCode.LIST, Status.OK).writeInt(1);
        rejects(bytes(str(list, "e").writeByte(flag).writeLong(0)), "entry is directory flag is " + flag);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 256, 511, 513, 1000, 3072, 4095, 65535, 131072, 1 << 30, -4096, Integer.MIN_VALUE})
    void badPageSizesAreRejectedInReadsWritesAndReadCompletions(int pageSize) {
        String why = "bad page run: page size " + pageSize + " (expected: a power of two from 512 to 65536)";
        rejects(bytes(request(OpCode.READ, "v").writeInt(pageSize).writeLong(0).writeInt(1)), why);
        rejects(bytes(request(OpCode.WRITE, "v").writeInt(pageSize).writeLong(0).writeInt(1)), why);
        rejects(bytes(completion(OpCode.READ, Status.OK).writeLong(0).writeInt(1).writeInt(pageSize)), why);
    }

    @Test
    void badPageCountsAreRejected() {
        for (int ps = WireLimits.MIN_PAGE_SIZE; ps <= WireLimits.MAX_PAGE_SIZE; ps *= 2) {
            for (int pc : new int[] {0, -1, MAX_IO / ps + 1, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
                String why = "bad page run: page count " + pc + " of " + ps + " bytes (expected: 1 to " + (MAX_IO / ps) + ")";
                rejects(bytes(request(OpCode.READ, "v").writeInt(ps).writeLong(0).writeInt(pc)), why);
                rejects(bytes(request(OpCode.WRITE, "v").writeInt(ps).writeLong(0).writeInt(pc)), why);
                rejects(bytes(completion(OpCode.READ, Status.OK).writeLong(0).writeInt(pc).writeInt(ps)), why);
            }
        }
    }

    @Test
    void negativeFirstPageIsRejected() {
        rejects(bytes(request(OpCode.READ, "v").writeInt(4096).writeLong(-1).writeInt(1)), "first page -1 (expected: >= 0)");
        rejects(bytes(request(OpCode.WRITE, "v").writeInt(4096).writeLong(Long.MIN_VALUE).writeInt(1)), "first page");
    }

    @Test
    void pageRunsOverflowingALongOffsetAreRejected() {
        for (int ps = WireLimits.MIN_PAGE_SIZE; ps <= WireLimits.MAX_PAGE_SIZE; ps *= 2) {
            for (int pc : new int[] {1, MAX_IO / ps}) {
                long first = Long.MAX_VALUE / ps - pc + 1;
                for (OpCode op : List.of(OpCode.READ, OpCode.WRITE)) {
                    rejects(bytes(request(op, "v").writeInt(ps).writeLong(first).writeInt(pc)),
                            "bad page run: pages " + first + "+" + pc + " of " + ps + " bytes lie beyond the largest volume offset");
                    rejects(bytes(request(op, "v").writeInt(ps).writeLong(Long.MAX_VALUE).writeInt(pc)), "beyond");
                }
                // the last run that still ends within a long is a valid read
                Wire.decode(bytes(request(OpCode.READ, "v").writeInt(ps).writeLong(first - 1).writeInt(pc)));
            }
        }
    }

    @Test
    void writeDataShorterOrLongerThanThePageRunIsRejected() {
        ByteBuf header = request(OpCode.WRITE, "v").writeInt(512).writeLong(0).writeInt(2);
        rejects(bytes(header.copy().writeInt(0)), "truncated frame: page checksums needs 8 bytes, 4 left");
        ByteBuf crcs = header.copy().writeInt(0).writeInt(0);
        rejects(bytes(crcs.copy().writeZero(1023)), "truncated frame: page data needs 1024 bytes, 1023 left");
        rejects(bytes(crcs.copy().writeZero(1025)), "1 unexpected trailing bytes");
        Wire.decode(bytes(crcs.copy().writeZero(1024)));
    }

    @Test
    void readCompletionDataShorterOrLongerThanThePageRunIsRejected() {
        ByteBuf crcs = completion(OpCode.READ, Status.OK).writeLong(0).writeInt(2).writeInt(512).writeInt(0).writeInt(0);
        rejects(bytes(crcs.copy().writeZero(512)), "truncated frame: page data needs 1024 bytes, 512 left");
        rejects(bytes(crcs.copy().writeZero(2048)), "1024 unexpected trailing bytes");
        Wire.decode(bytes(crcs.copy().writeZero(1024)));
    }

    @Test
    void negativeLengthsAreRejected() {
        rejects(bytes(request(OpCode.SET_LENGTH, "v").writeLong(-1)), "negative length -1");
        rejects(bytes(request(OpCode.SET_LENGTH, "v").writeLong(Long.MIN_VALUE)), "negative length " + Long.MIN_VALUE);
        rejects(bytes(completion(OpCode.WRITE, Status.OK).writeLong(-5)), "volume length is -5 (expected: >= 0)");
        ByteBuf read = completion(OpCode.READ, Status.OK).writeLong(-1).writeInt(1).writeInt(512).writeInt(0).writeZero(512);
        rejects(bytes(read), "volume length is -1 (expected: >= 0)");
        rejects(bytes(completion(OpCode.STAT, Status.OK).writeByte(1).writeLong(-2)), "length is -2 (expected: >= 0)");
        ByteBuf list = str(completion(OpCode.LIST, Status.OK).writeInt(1), "e").writeByte(0).writeLong(-3);
        rejects(bytes(list), "entry length is -3 (expected: >= 0)");
    }

    @Test
    void nonPositiveSessionParametersAreRejected() {
        for (int bad : new int[] {0, -1, Integer.MIN_VALUE}) {
            rejects(bytes(start(MessageType.AUTH).writeBytes(Wire.nonce(0)).writeInt(bad)),
                    "lease millis is " + bad + " (expected: > 0)");
            ByteBuf ok = start(MessageType.AUTH_OK).writeBytes(Wire.nonce(0)).writeLong(1);
            rejects(bytes(ok.copy().writeInt(bad).writeInt(1).writeInt(1)), "lease millis is " + bad);
            rejects(bytes(ok.copy().writeInt(1).writeInt(bad).writeInt(1)), "max inflight is " + bad);
            rejects(bytes(ok.copy().writeInt(1).writeInt(1).writeInt(bad)), "max frame bytes is " + bad);
        }
    }

    @Test
    void statFlagsWithUnknownBitsAreRejected() {
        for (int flags = 4; flags < 256; flags++) {
            rejects(bytes(completion(OpCode.STAT, Status.OK).writeByte(flags).writeLong(0)),
                    "unknown stat flags 0x" + Integer.toHexString(flags));
        }
    }

    @Test
    void listingEntryCountLargerThanTheBytesLeftIsRejected() {
        rejects(bytes(completion(OpCode.LIST, Status.OK).writeInt(1)), "entry count 1 does not fit in the 0 bytes left");
        rejects(bytes(completion(OpCode.LIST, Status.OK).writeInt(-1).writeZero(100)), "entry count -1 does not fit");
        rejects(bytes(completion(OpCode.LIST, Status.OK).writeInt(Integer.MAX_VALUE).writeZero(100)),
                "entry count " + Integer.MAX_VALUE + " does not fit in the 100 bytes left");
        // two real one-byte-name entries take 24 bytes: a count of 3 cannot fit, and is refused up front
        ByteBuf two = completion(OpCode.LIST, Status.OK).writeInt(3);
        str(str(two, "a").writeByte(0).writeLong(1), "b").writeByte(0).writeLong(1);
        rejects(bytes(two), "entry count 3 does not fit in the 24 bytes left");
    }
}
