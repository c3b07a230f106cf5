package org.hapager.wire;

import static org.hapager.wire.Wire.roundTrip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Round trips of every message type, op and outcome. Records holding arrays and buffers do not compare by
 * value, so each check re-encodes the decoded message and compares bytes, then compares a value view of
 * the fields ({@link Wire#fields}).
 */
@ExtendWith(SeedExtension.class)
class MessageCodecRoundTripTest {

    private static final HexFormat HEX = HexFormat.of();

    // ------------------------------------------------------------------ the layout itself

    @Test
    void heartbeatFrameHasDocumentedLayout() {
        assertEquals("00000009" + "14" + "0102030405060708",
                HEX.formatHex(Wire.frame(new Message.Heartbeat(0x0102030405060708L))));
    }

    @Test
    void readRequestFrameHasDocumentedLayout() {
        String expected = "0000001f" + "0a" + "0000000000000007" + "01" // type REQUEST, id 7, op READ
                + "0003" + "612f62" // name "a/b"
                + "00001000" + "0000000000000005" + "00000003"; // pageSize, firstPage, pageCount
        assertEquals(expected, HEX.formatHex(Wire.frame(new Message.Request(7, new Op.Read("a/b", 4096, 5, 3)))));
    }

    @Test
    void compareAndWriteFramesHaveDocumentedLayout() {
        ByteBuffer expected = ByteBuffer.allocate(512);
        ByteBuffer data = ByteBuffer.allocate(512);
        data.put(0, (byte) 0xAB);
        String request = "00000421" + "0a" + "0000000000000007" + "0c" // type REQUEST, id 7, op COMPARE_AND_WRITE (12)
                + "0001" + "6c" // name "l"
                + "00000200" + "0000000000000000" + "00000011" + "00000022" // pageSize, page, expectedCrc, dataCrc
                + "00".repeat(512) + "ab" + "00".repeat(511);
        assertEquals(request, HEX.formatHex(Wire.frame(new Message.Request(7,
                new Op.CompareAndWrite("l", 512, 0, 0x11, expected, 0x22, data)))));
        String written = "00000014" + "0c" + "0000000000000008" + "0c" + "00" + "01" + "0000000000000200";
        assertEquals(written, HEX.formatHex(Wire.frame(Message.Completion.ok(8, OpCode.COMPARE_AND_WRITE,
                Outcome.Compared.written(512)))));
        String miscompare = "0000021c" + "0c" + "0000000000000009" + "0c" + "00" + "00" + "0000000000000200"
                + "00000200" + "00000033" + "ab" + "00".repeat(511);
        assertEquals(miscompare, HEX.formatHex(Wire.frame(Message.Completion.ok(9, OpCode.COMPARE_AND_WRITE,
                new Outcome.Compared(false, 512, 0x33, data)))));
    }

    @Test
    void failedCompletionFrameHasDocumentedLayout() {
        String expected = "0000000f" + "0c" + "0000000000000009" + "05" + "01" + "0002" + "6e66";
        assertEquals(expected, HEX.formatHex(Wire.frame(
                Message.Completion.failed(9, OpCode.DELETE, Status.NOT_FOUND, "nf"))));
    }

    @Test
    void helloFrameHasDocumentedLayout() {
        String expected = "0000002d" + "01" + "48415047" + "0001" + "0002" + "11".repeat(32) + "0002" + "c3a9";
        assertEquals(expected, HEX.formatHex(Wire.frame(new Message.Hello(Protocol.MAGIC, 1, 2, Wire.nonce(0x11), "é"))));
    }

    // ------------------------------------------------------------------ fixed examples

    @Test
    void everySampleRoundTrips() {
        List<Message> samples = RandomMessages.samples();
        Set<MessageType> types = EnumSet.noneOf(MessageType.class);
        for (Message m : samples) {
            roundTrip(m);
            types.add(m.type());
        }
        assertEquals(EnumSet.allOf(MessageType.class), types, "the samples cover every message type");
    }

    @Test
    void handshakeFieldsSurvive() {
        Message.Hello hello = (Message.Hello) roundTrip(new Message.Hello(Protocol.MAGIC, 0, 0xFFFF, Wire.nonce(9), ""));
        assertEquals(Protocol.MAGIC, hello.magic());
        assertEquals(0xFFFF, hello.maxVersion(), "u16 versions are unsigned");
        assertArrayEquals(Wire.nonce(9), hello.clientNonce());
        Message.Challenge c = (Message.Challenge) roundTrip(new Message.Challenge(65535, Wire.nonce(8), "h:1 pid 2"));
        assertEquals(65535, c.version());
        assertEquals("h:1 pid 2", c.serverId());
        Message.Auth auth = (Message.Auth) roundTrip(new Message.Auth(Wire.nonce(7), Integer.MAX_VALUE));
        assertEquals(Integer.MAX_VALUE, auth.leaseMillis());
        Message.AuthOk ok = (Message.AuthOk) roundTrip(new Message.AuthOk(Wire.nonce(6), -1L, 1, 2, 3));
        assertEquals(-1L, ok.sessionId());
        assertEquals(List.of(1, 2, 3), List.of(ok.leaseMillis(), ok.maxInflight(), ok.maxFrameBytes()));
    }

    @ParameterizedTest
    @EnumSource(OpCode.class)
    void everyRequestOpRoundTrips(OpCode code, Seed seed) {
        SplittableRandom random = seed.splittable();
        RandomMessages gen = new RandomMessages(random);
        for (int i = 0; i < 40; i++) {
            Op op = gen.op(code);
            Message.Request decoded = (Message.Request) roundTrip(new Message.Request(i, op));
            assertEquals(code, decoded.op().code());
            assertEquals(op.volume(), decoded.op().volume());
            if (op instanceof Op.Write w) {
                Op.Write d = (Op.Write) decoded.op();
                assertEquals(w.data(), d.data(), "page data");
                assertEquals(-1, PageChecksums.firstMismatch(d.data(), d.pageSize(), d.crcs()), "checksums still match");
            }
            if (op instanceof Op.CompareAndWrite c) {
                Op.CompareAndWrite d = (Op.CompareAndWrite) decoded.op();
                assertEquals(List.of(c.pageSize(), c.page(), c.expectedCrc(), c.dataCrc()),
                        List.of(d.pageSize(), d.page(), d.expectedCrc(), d.dataCrc()));
                assertEquals(c.expected(), d.expected(), "expected page");
                assertEquals(c.data(), d.data(), "new page");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OpCode.class)
    void everyOkCompletionRoundTrips(OpCode code, Seed seed) {
        SplittableRandom random = seed.splittable();
        RandomMessages gen = new RandomMessages(random);
        for (int i = 0; i < 40; i++) {
            Message.Completion m = (Message.Completion) gen.completion(code, Status.OK);
            Message.Completion d = (Message.Completion) roundTrip(m);
            assertEquals(m.requestId(), d.requestId());
            assertEquals(code, d.op());
            assertEquals(Status.OK, d.status());
            switch (code) {
                case READ -> {
                    Outcome.PagesRead r = assertInstanceOf(Outcome.PagesRead.class, d.outcome());
                    int pageSize = r.data().remaining() / r.crcs().length;
                    assertTrue(WireLimits.isValidPageSize(pageSize), "page size " + pageSize);
                    assertEquals(-1, PageChecksums.firstMismatch(r.data(), pageSize, r.crcs()));
                }
                case WRITE, WRITE_BUFFERED -> assertInstanceOf(Outcome.PagesWritten.class, d.outcome());
                case STAT -> assertEquals(m.outcome(), d.outcome());
                case LIST -> assertEquals(m.outcome(), d.outcome(), "listings hold only comparable values");
                case COMPARE_AND_WRITE -> {
                    Outcome.Compared sent = (Outcome.Compared) m.outcome();
                    Outcome.Compared got = assertInstanceOf(Outcome.Compared.class, d.outcome());
                    assertEquals(List.of(sent.written(), sent.volumeLength(), sent.crc()),
                            List.of(got.written(), got.volumeLength(), got.crc()));
                    assertEquals(sent.current(), got.current(), "the page as compared");
                }
                default -> assertSame(Outcome.Done.INSTANCE, d.outcome());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Status.class, names = "OK", mode = EnumSource.Mode.EXCLUDE)
    void everyFailedCompletionRoundTrips(Status status, Seed seed) {
        SplittableRandom random = seed.splittable();
        RandomMessages gen = new RandomMessages(random);
        for (OpCode op : OpCode.values()) {
            Message.Completion m = (Message.Completion) gen.completion(op, status);
            Message.Completion d = (Message.Completion) roundTrip(m);
            assertEquals(status, d.status());
            assertEquals(op, d.op());
            assertEquals(m.error(), d.error());
            assertEquals(null, d.outcome());
        }
    }

    @Test
    void failedCompletionWithoutTextDecodesAsEmptyText() {
        Message.Completion d = (Message.Completion) Wire.decode(
                Wire.body(Message.Completion.failed(1, OpCode.SYNC, Status.IO_ERROR, null)));
        assertEquals("", d.error());
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void randomMessagesOfEveryTypeRoundTrip(MessageType type, Seed seed) {
        SplittableRandom random = seed.splittable();
        RandomMessages gen = new RandomMessages(random);
        for (int i = 0; i < 60; i++) {
            Message m = gen.message(type);
            assertEquals(type, roundTrip(m).type());
        }
    }

    @Test
    void statFlagCombinationsRoundTrip() {
        for (boolean exists : new boolean[] {false, true}) {
            for (boolean directory : new boolean[] {false, true}) {
                Outcome.Stat s = new Outcome.Stat(exists, directory, 42);
                Message.Completion d = (Message.Completion) roundTrip(Message.Completion.ok(1, OpCode.STAT, s));
                assertEquals(s, d.outcome());
            }
        }
    }

    @Test
    void largestWriteAtEveryPageSizeRoundTrips() {
        for (int ps = WireLimits.MIN_PAGE_SIZE; ps <= WireLimits.MAX_PAGE_SIZE; ps *= 2) {
            int pc = WireLimits.DEFAULT.maxIoBytes() / ps;
            ByteBuffer data = ByteBuffer.allocate(ps * pc);
            for (int i = 0; i < data.capacity(); i += 97) {
                data.put(i, (byte) i);
            }
            long last = Long.MAX_VALUE / ps - pc;
            Op.Write w = new Op.Write("v", ps, last, pc, PageChecksums.compute(data, ps, pc), data);
            Op.Write d = (Op.Write) ((Message.Request) roundTrip(new Message.Request(1, w))).op();
            assertEquals(last, d.firstPage());
            assertEquals(pc, d.pageCount());
        }
    }

    @Test
    void writeEncodesOnlyTheBuffersRemainingBytes() {
        ByteBuffer big = ByteBuffer.allocate(2048);
        big.put(600, (byte) 5);
        ByteBuffer view = big.position(512).limit(1024);
        int[] crcs = PageChecksums.compute(view, 512, 1);
        Op.Write d = (Op.Write) ((Message.Request) Wire.decode(
                Wire.body(new Message.Request(1, new Op.Write("v", 512, 0, 1, crcs, view))))).op();
        assertEquals(512, d.data().remaining());
        assertEquals(5, d.data().get(d.data().position() + 88));
        assertEquals(512, view.position(), "encoding does not consume the caller's buffer");
    }

    @Test
    void encoderRefusesInconsistentPages() {
        Op.Write wrongCrcCount = new Op.Write("v", 512, 0, 2, new int[1], ByteBuffer.allocate(1024));
        assertThrows(IllegalArgumentException.class, () -> Wire.frame(new Message.Request(1, wrongCrcCount)));
        Op.Write wrongData = new Op.Write("v", 512, 0, 2, new int[2], ByteBuffer.allocate(1000));
        assertThrows(IllegalArgumentException.class, () -> Wire.frame(new Message.Request(1, wrongData)));
        Message badNonce = new Message.Hello(Protocol.MAGIC, 1, 1, new byte[31], "c");
        assertThrows(IllegalArgumentException.class, () -> Wire.frame(badNonce));
        Message longText = new Message.Draining("x".repeat(Protocol.MAX_STRING_BYTES + 1));
        assertThrows(IllegalArgumentException.class, () -> Wire.frame(longText));
    }

    @Test
    void pageFramesFitTheirSizeHintSoTheEncoderAllocatesOnce() {
        MessageCodec codec = new MessageCodec(WireLimits.DEFAULT);
        int pageSize = 4096;
        int pages = WireLimits.DEFAULT_MAX_IO_BYTES / pageSize;
        ByteBuffer data = ByteBuffer.allocate(pages * pageSize);
        int[] crcs = PageChecksums.compute(data, pageSize, pages);
        String name = "db/seg0/" + "c".repeat(120) + ".dat";
        List<Message> messages = List.of(
                Message.Completion.ok(7, OpCode.READ, new Outcome.PagesRead(Long.MAX_VALUE, crcs, data)),
                new Message.Request(8, new Op.Write(name, pageSize, 1L << 40, pages, crcs, data)));
        for (Message m : messages) {
            io.netty.buffer.ByteBuf out = io.netty.buffer.Unpooled.buffer(codec.frameSizeHint(m));
            int capacity = out.capacity();
            codec.encodeFrame(m, out);
            assertEquals(capacity, out.capacity(), m.type() + " outgrew its hint " + capacity + " with " + out.readableBytes() + " bytes");
            out.release();
        }
    }
}
