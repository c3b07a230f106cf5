package org.hapager.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The seed corpus of the wire fuzz targets, kept under {@code src/test/resources}: one valid body or frame of
 * every sample message ({@link RandomMessages#samples}: every type, request op, and completion op and status),
 * two bodies whose length fields claim far more than they carry, and a few whole streams. Jazzer's regression
 * mode replays these files in {@code mvn verify}, so every decoding path runs, and its fuzzing mode starts from
 * them.
 *
 * <p>The test checks that every generated file is committed with the current encoding; run it with
 * {@code -Dhapager.fuzz.writeCorpus=true} (from the module directory) to write them after a protocol change.
 * Other files in the same directories (regression inputs of fixed findings) are left alone.
 */
class FuzzCorpusTest {

    private static final Path RESOURCES = Path.of("src/test/resources/org/hapager/wire");
    static final Path BODIES = RESOURCES.resolve("MessageCodecFuzzTestInputs/decodeBody");
    static final Path STREAMS = RESOURCES.resolve("FrameDecoderFuzzTestInputs/decodeStream");

    /** File name → type byte and body, for {@link MessageCodecFuzzTest#decodeBody}. */
    static Map<String, byte[]> bodies() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Message m : RandomMessages.samples()) {
            put(out, name(m), Wire.body(m));
        }
        // hostile lengths: a decoder that allocates for them before checking the bytes fails the allocation bound
        ByteBuf write = Wire.request(OpCode.WRITE, "v").writeInt(4096).writeLong(0).writeInt(256);
        for (int i = 0; i < 256; i++) {
            write.writeInt(0); // the checksums, then none of the 1 MiB of data
        }
        out.put("hostile-write-of-256-pages-without-data", Wire.bytes(write));
        out.put("hostile-listing-count", Wire.bytes(Wire.completion(OpCode.LIST, Status.OK).writeInt(1 << 30)));
        return out;
    }

    /** File name → chunking byte and stream, for {@link FrameDecoderFuzzTest#decodeStream}. */
    static Map<String, byte[]> streams() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        List<Message> samples = RandomMessages.samples();
        byte[] all = new byte[0];
        for (Message m : samples) {
            byte[] frame = Wire.frame(m);
            put(out, name(m), Wire.concat(new byte[] {0}, frame));
            all = Wire.concat(all, frame);
        }
        out.put("all-samples-one-read", Wire.concat(new byte[] {0}, all));
        out.put("all-samples-small-reads", Wire.concat(new byte[] {7}, all));
        byte[] conversation = Wire.concat(Wire.frame(samples.get(0)), Wire.frame(samples.get(2)),
                Wire.frame(new Message.Heartbeat(1)), Wire.frame(samples.get(4)), Wire.frame(samples.get(5)));
        out.put("client-conversation-small-reads", Wire.concat(new byte[] {1}, conversation));
        out.put("prefix-over-max-frame-bytes", new byte[] {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1});
        out.put("prefix-zero", new byte[] {0, 0, 0, 0, 0});
        out.put("incomplete-frame", Wire.concat(new byte[] {3}, java.util.Arrays.copyOf(all, 40)));
        return out;
    }

    private static void put(Map<String, byte[]> out, String name, byte[] bytes) {
        String unique = name;
        for (int i = 2; out.containsKey(unique); i++) {
            unique = name + "-" + i;
        }
        out.put(unique, bytes);
    }

    static String name(Message m) {
        String type = m.type().name().toLowerCase(Locale.ROOT).replace('_', '-');
        if (m instanceof Message.Request r) {
            return type + "-" + r.op().code().name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
        if (m instanceof Message.Completion c) {
            return type + "-" + c.op().name().toLowerCase(Locale.ROOT).replace('_', '-') + "-"
                    + c.status().name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
        return type;
    }

    @Test
    void committedCorpusMatchesTheCurrentEncoding() {
        boolean write = Boolean.getBoolean("hapager.fuzz.writeCorpus");
        check(BODIES, bodies(), write);
        check(STREAMS, streams(), write);
    }

    private static void check(Path dir, Map<String, byte[]> files, boolean write) {
        try {
            if (write) {
                Files.createDirectories(dir);
            }
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                Path file = dir.resolve(e.getKey());
                if (write) {
                    Files.write(file, e.getValue());
                }
                assertTrue(Files.isRegularFile(file), () -> file + " is missing: run FuzzCorpusTest with"
                        + " -Dhapager.fuzz.writeCorpus=true and commit it");
                assertArrayEquals(e.getValue(), Files.readAllBytes(file), () -> file + " is stale: run FuzzCorpusTest"
                        + " with -Dhapager.fuzz.writeCorpus=true and commit it");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
