package org.hapager.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random valid messages of every type, op and status, and a fixed small sample of each variant. Names obey
 * the {@link VolumeName} rules and include non-ASCII characters (two-, three- and four-byte UTF-8); page
 * runs obey {@link WireLimits#DEFAULT}; page data carries correct CRC32C checksums.
 */
final class RandomMessages {

    private static final String[] PIECES = {
        "a", "b", "z", "Q", "0", "9", "-", "_", ".", " ", "~", "é", "ß", "Ω", "ж", "日本", "€", "😀", "𝄞",
    };

    private final SplittableRandom random;
    private final WireLimits limits;

    RandomMessages(SplittableRandom random) {
        this(random, WireLimits.DEFAULT);
    }

    RandomMessages(SplittableRandom random, WireLimits limits) {
        this.random = random;
        this.limits = limits;
    }

    // ------------------------------------------------------------------ names and strings

    /** One path segment of 1 to {@code maxBytes} UTF-8 bytes, never "." or "..". */
    String segment(int maxBytes) {
        while (true) {
            StringBuilder b = new StringBuilder();
            int target = 1 + random.nextInt(maxBytes);
            int bytes = 0;
            while (bytes < target) {
                String piece = PIECES[random.nextInt(PIECES.length)];
                int n = utf8(piece);
                if (bytes + n > maxBytes) {
                    break;
                }
                b.append(piece);
                bytes += n;
            }
            String s = b.toString();
            if (!s.isEmpty() && !s.equals(".") && !s.equals("..")) {
                return s;
            }
        }
    }

    /** A valid volume name: mostly short, sometimes at the segment and name length limits. */
    String volumeName() {
        int shape = random.nextInt(10);
        String name;
        if (shape == 0) {
            name = longName();
        } else {
            int segments = 1 + random.nextInt(4);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < segments; i++) {
                b.append(i == 0 ? "" : "/").append(segment(shape == 1 ? VolumeName.MAX_SEGMENT_BYTES : 12));
            }
            name = b.toString();
        }
        checkValid(name, false);
        return name;
    }

    private String longName() {
        StringBuilder b = new StringBuilder(segment(VolumeName.MAX_SEGMENT_BYTES));
        while (true) {
            String next = segment(VolumeName.MAX_SEGMENT_BYTES);
            if (utf8(b.toString()) + 1 + utf8(next) > VolumeName.MAX_NAME_BYTES) {
                return b.toString();
            }
            b.append('/').append(next);
        }
    }

    /** A valid directory name; sometimes the root (""). */
    String directoryName() {
        String name = random.nextInt(4) == 0 ? "" : volumeName();
        checkValid(name, true);
        return name;
    }

    /** Any text of up to {@code maxBytes} UTF-8 bytes, including control characters. */
    String text(int maxBytes) {
        StringBuilder b = new StringBuilder();
        int target = random.nextInt(maxBytes + 1);
        int bytes = 0;
        while (true) {
            String piece = random.nextInt(8) == 0 ? String.valueOf((char) random.nextInt(0x20)) : PIECES[random.nextInt(PIECES.length)];
            if (bytes + utf8(piece) > target) {
                return b.toString();
            }
            b.append(piece);
            bytes += utf8(piece);
        }
    }

    private static void checkValid(String name, boolean root) {
        String problem = VolumeName.problem(name, root);
        if (problem != null) {
            throw new AssertionError("generator made a bad name " + name + ": " + problem);
        }
    }

    static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    // ------------------------------------------------------------------ page runs

    int pageSize() {
        return WireLimits.MIN_PAGE_SIZE << random.nextInt(8); // 512 .. 65536
    }

    /** A page count for {@code pageSize}: usually small, sometimes up to the whole of maxIoBytes. */
    int pageCount(int pageSize) {
        int max = limits.maxIoBytes() / pageSize;
        return random.nextInt(4) == 0 ? 1 + random.nextInt(max) : 1 + random.nextInt(Math.min(max, 4));
    }

    long firstPage(int pageSize, int pageCount) {
        long max = Long.MAX_VALUE / pageSize - pageCount;
        return random.nextInt(4) == 0 ? max - random.nextInt(3) : random.nextLong(1_000_000);
    }

    ByteBuffer data(int pageSize, int pageCount) {
        byte[] bytes = new byte[pageSize * pageCount];
        random.nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }

    // ------------------------------------------------------------------ messages

    Op op(OpCode code) {
        String v = volumeName();
        return switch (code) {
            case READ -> {
                int ps = pageSize();
                int pc = pageCount(ps);
                yield new Op.Read(v, ps, firstPage(ps, pc), pc);
            }
            case WRITE, WRITE_BUFFERED -> {
                int ps = pageSize();
                int pc = pageCount(ps);
                ByteBuffer data = data(ps, pc);
                yield new Op.Write(v, ps, firstPage(ps, pc), pc, PageChecksums.compute(data, ps, pc), data, code == OpCode.WRITE);
            }
            case SYNC -> new Op.Sync(v);
            case CREATE -> new Op.Create(v, random.nextBoolean());
            case DELETE -> new Op.Delete(v);
            case RENAME -> new Op.Rename(v, volumeName(), random.nextBoolean());
            case LIST -> new Op.List(directoryName());
            case STAT -> new Op.Stat(v);
            case SET_LENGTH -> new Op.SetLength(v, random.nextBoolean() ? random.nextLong(1 << 30) : random.nextLong(Long.MAX_VALUE));
            case MKDIRS -> new Op.Mkdirs(v);
            case COMPARE_AND_WRITE -> {
                int ps = pageSize();
                ByteBuffer expected = data(ps, 1);
                ByteBuffer data = data(ps, 1);
                yield new Op.CompareAndWrite(v, ps, firstPage(ps, 1), PageChecksums.compute(expected, ps, 1)[0], expected,
                        PageChecksums.compute(data, ps, 1)[0], data);
            }
        };
    }

    Outcome outcome(OpCode code) {
        return switch (code) {
            case READ -> {
                int ps = pageSize();
                int pc = pageCount(ps);
                ByteBuffer data = data(ps, pc);
                yield new Outcome.PagesRead(random.nextLong(Long.MAX_VALUE), PageChecksums.compute(data, ps, pc), data);
            }
            case WRITE, WRITE_BUFFERED -> new Outcome.PagesWritten(random.nextLong(Long.MAX_VALUE));
            case STAT -> new Outcome.Stat(random.nextBoolean(), random.nextBoolean(), random.nextLong(Long.MAX_VALUE));
            case LIST -> {
                List<Outcome.Entry> entries = new ArrayList<>();
                int n = random.nextInt(20);
                for (int i = 0; i < n; i++) {
                    entries.add(new Outcome.Entry(segment(random.nextInt(8) == 0 ? 255 : 16), random.nextBoolean(),
                            random.nextLong(Long.MAX_VALUE)));
                }
                yield new Outcome.Listing(List.copyOf(entries));
            }
            case COMPARE_AND_WRITE -> {
                if (random.nextBoolean()) {
                    yield Outcome.Compared.written(random.nextLong(Long.MAX_VALUE));
                }
                int ps = pageSize();
                ByteBuffer current = data(ps, 1);
                yield new Outcome.Compared(false, random.nextLong(Long.MAX_VALUE), PageChecksums.compute(current, ps, 1)[0], current);
            }
            default -> Outcome.Done.INSTANCE;
        };
    }

    Message completion(OpCode op, Status status) {
        long id = random.nextLong();
        return status == Status.OK ? Message.Completion.ok(id, op, outcome(op))
                : Message.Completion.failed(id, op, status, text(200));
    }

    byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    int positive() {
        return 1 + random.nextInt(Integer.MAX_VALUE);
    }

    /** A random message of the given type (for requests and completions, a random op and status). */
    Message message(MessageType type) {
        OpCode[] ops = OpCode.values();
        return switch (type) {
            case HELLO -> new Message.Hello(random.nextInt(), random.nextInt(1 << 16), random.nextInt(1 << 16),
                    bytes(HandshakeProof.NONCE_BYTES), text(Protocol.MAX_CLIENT_NAME_BYTES));
            case CHALLENGE -> new Message.Challenge(random.nextInt(1 << 16), bytes(HandshakeProof.NONCE_BYTES), text(300));
            case AUTH -> new Message.Auth(bytes(HandshakeProof.PROOF_BYTES), positive());
            case AUTH_OK -> new Message.AuthOk(bytes(HandshakeProof.PROOF_BYTES), random.nextLong(), positive(),
                    positive(), positive());
            case REQUEST -> new Message.Request(random.nextLong(), op(ops[random.nextInt(ops.length)]));
            case ACCEPTED -> new Message.Accepted(random.nextLong());
            case COMPLETION -> completion(ops[random.nextInt(ops.length)],
                    Status.values()[random.nextInt(Status.values().length)]);
            case HEARTBEAT -> new Message.Heartbeat(random.nextLong());
            case HEARTBEAT_ACK -> new Message.HeartbeatAck(random.nextLong());
            case DRAINING -> new Message.Draining(text(random.nextInt(10) == 0 ? Protocol.MAX_STRING_BYTES : 100));
            case YIELD -> new Message.Yield(text(100), text(random.nextInt(10) == 0 ? Protocol.MAX_STRING_BYTES : 100));
            case YIELDED -> new Message.Yielded(random.nextBoolean(), text(100));
            case ERROR -> new Message.Error(random.nextInt(1 << 16), text(300));
        };
    }

    // ------------------------------------------------------------------ a small fixed sample of every variant

    /** One small message of every type, every request op, and every completion op and status. */
    static List<Message> samples() {
        List<Message> all = new ArrayList<>();
        all.add(new Message.Hello(Protocol.MAGIC, 1, 3, Wire.nonce(1), "client é"));
        all.add(new Message.Challenge(1, Wire.nonce(2), "server:1234 pid 77"));
        all.add(new Message.Auth(Wire.nonce(3), 30_000));
        all.add(new Message.AuthOk(Wire.nonce(4), 99L, 30_000, 64, WireLimits.DEFAULT.maxFrameBytes()));
        ByteBuffer two = ByteBuffer.allocate(1024);
        for (int i = 0; i < 1024; i++) {
            two.put(i, (byte) (i * 31));
        }
        int[] twoCrcs = PageChecksums.compute(two, 512, 2);
        all.add(new Message.Request(1, new Op.Read("db1/seg0/c10.dat", 4096, 5, 3)));
        all.add(new Message.Request(2, new Op.Write("db1/日本.dat", 512, 8, 2, twoCrcs, two.duplicate())));
        all.add(new Message.Request(3, new Op.Sync("a")));
        all.add(new Message.Request(4, new Op.Create("a/b", true)));
        all.add(new Message.Request(5, new Op.Delete("a/b")));
        all.add(new Message.Request(6, new Op.Rename("a/b", "a/c", true)));
        all.add(new Message.Request(7, new Op.List("a")));
        all.add(new Message.Request(8, new Op.List("")));
        all.add(new Message.Request(9, new Op.Stat("a/😀")));
        all.add(new Message.Request(10, new Op.SetLength("a/b", 1L << 40)));
        all.add(new Message.Request(11, new Op.Mkdirs("a/b/c")));
        ByteBuffer first = two.duplicate().limit(512);
        ByteBuffer second = two.duplicate().position(512);
        all.add(new Message.Request(15, new Op.CompareAndWrite("db1/dbex.lck", 512, 0, twoCrcs[0], first, twoCrcs[1], second)));
        all.add(new Message.Accepted(12));
        for (OpCode op : OpCode.values()) {
            Outcome outcome = switch (op) {
                case READ -> new Outcome.PagesRead(4096, twoCrcs.clone(), two.duplicate());
                case WRITE, WRITE_BUFFERED -> new Outcome.PagesWritten(8192);
                case STAT -> new Outcome.Stat(true, false, 123);
                case LIST -> new Outcome.Listing(List.of(new Outcome.Entry("x", false, 10),
                        new Outcome.Entry("ü", true, 0)));
                case COMPARE_AND_WRITE -> new Outcome.Compared(false, 512, twoCrcs[0], two.duplicate().limit(512));
                default -> Outcome.Done.INSTANCE;
            };
            all.add(Message.Completion.ok(100 + op.code, op, outcome));
            for (Status status : Status.values()) {
                if (status != Status.OK) {
                    all.add(Message.Completion.failed(200 + op.code, op, status, status + " on " + op.tag()));
                }
            }
        }
        all.add(Message.Completion.ok(300, OpCode.LIST, new Outcome.Listing(List.of())));
        all.add(Message.Completion.ok(301, OpCode.COMPARE_AND_WRITE, Outcome.Compared.written(512)));
        all.add(new Message.Heartbeat(13));
        all.add(new Message.HeartbeatAck(14));
        all.add(new Message.Draining("shutting down"));
        all.add(new Message.Yield("server-2 (127.0.0.1:7072)", "client lost its primary"));
        all.add(new Message.Yielded(true, "drained 3 requests"));
        all.add(new Message.Error(Message.Error.PROTOCOL, "bad frame"));
        return all;
    }
}
