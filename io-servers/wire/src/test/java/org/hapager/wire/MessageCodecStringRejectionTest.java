package org.hapager.wire;

import static org.hapager.wire.Wire.bytes;
import static org.hapager.wire.Wire.completion;
import static org.hapager.wire.Wire.raw;
import static org.hapager.wire.Wire.rejects;
import static org.hapager.wire.Wire.request;
import static org.hapager.wire.Wire.start;
import static org.hapager.wire.Wire.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Strings on the wire: invalid UTF-8 and over-long strings in every string field, and names that break
 * the {@link VolumeName} rules in every name-bearing field (request volume of each op, rename target,
 * listed directory, listing entries).
 */
class MessageCodecStringRejectionTest {

    /** A place a string goes: {@code what} is how the decoder names the field; body builds the whole body. */
    record Site(String what, Function<byte[], byte[]> body) {
        byte[] with(byte[] string) {
            return body.apply(string);
        }

        byte[] with(String string) {
            return body.apply(string.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return what;
        }
    }

    private static Site site(String what, Function<ByteBuf, ByteBuf> before, Function<ByteBuf, ByteBuf> after) {
        return new Site(what, s -> bytes(after.apply(raw(before.apply(Unpooled.buffer()), s))));
    }

    /** Request volume of every op but LIST, whose name is a directory. */
    private static List<Site> volumeSites() {
        List<Site> sites = new ArrayList<>();
        for (OpCode op : OpCode.values()) {
            if (op == OpCode.LIST) {
                continue;
            }
            Function<ByteBuf, ByteBuf> after = switch (op) {
                case READ -> b -> b.writeInt(4096).writeLong(0).writeInt(1);
                case WRITE, WRITE_BUFFERED -> b -> b.writeInt(512).writeLong(0).writeInt(1).writeInt(0).writeZero(512);
                case COMPARE_AND_WRITE -> b -> b.writeInt(512).writeLong(0).writeInt(0).writeInt(0).writeZero(1024);
                case CREATE -> b -> b.writeByte(1);
                case RENAME -> b -> str(b, "target").writeByte(0);
                case SET_LENGTH -> b -> b.writeLong(0);
                default -> b -> b;
            };
            sites.add(site("volume name", b -> b.writeBytes(request(op, "x").writerIndex(10)), after));
        }
        return sites;
    }

    private static final Site RENAME_TARGET = site("rename target", b -> b.writeBytes(request(OpCode.RENAME, "src")),
            b -> b.writeByte(1));
    private static final Site LISTED_DIRECTORY = site("directory name",
            b -> b.writeBytes(request(OpCode.LIST, "x").writerIndex(10)), b -> b);
    private static final Site LIST_ENTRY = site("entry name",
            b -> b.writeBytes(completion(OpCode.LIST, Status.OK)).writeInt(1), b -> b.writeByte(0).writeLong(0));

    private static List<Site> nameSites() {
        List<Site> sites = new ArrayList<>(volumeSites());
        sites.add(RENAME_TARGET);
        sites.add(LISTED_DIRECTORY);
        sites.add(LIST_ENTRY);
        return sites;
    }

    private static List<Site> allSites() {
        List<Site> sites = new ArrayList<>(nameSites());
        sites.add(site("client name", b -> b.writeByte(MessageType.HELLO.code).writeInt(Protocol.MAGIC)
                .writeShort(1).writeShort(1).writeBytes(Wire.nonce(0)), b -> b));
        sites.add(site("server id", b -> b.writeByte(MessageType.CHALLENGE.code).writeShort(1)
                .writeBytes(Wire.nonce(0)), b -> b));
        sites.add(site("error text", b -> b.writeBytes(completion(OpCode.SYNC, Status.IO_ERROR)), b -> b));
        sites.add(site("reason", b -> b.writeByte(MessageType.DRAINING.code), b -> b));
        sites.add(site("error text", b -> b.writeByte(MessageType.ERROR.code).writeShort(1), b -> b));
        return sites;
    }

    private static byte[] hex(String hex) {
        return java.util.HexFormat.of().parseHex(hex);
    }

    @Test
    void theSitesAcceptAValidString() {
        for (Site site : allSites()) {
            Wire.decode(site.with("ok"));
            Wire.decode(site.with("dir/ünï😀".replace("dir/", site == LIST_ENTRY ? "" : "dir/")));
        }
    }

    @Test
    void invalidUtf8IsRejectedInEveryStringField() {
        List<byte[]> malformed = List.of(
                hex("ff"), hex("61fe62"), hex("80"), // bytes that never occur, a stray continuation byte
                hex("c080"), hex("e08080"), hex("f0808080"), // overlong encodings (of NUL)
                hex("eda080"), hex("61edbfbf"), // a UTF-8-encoded surrogate: how an unpaired surrogate would arrive
                hex("f4908080"), // beyond U+10FFFF
                hex("e282"), hex("61f09f98")); // multi-byte sequences cut short
        for (Site site : allSites()) {
            for (byte[] bad : malformed) {
                rejects(site.with(bad), site.what() + " is not valid UTF-8");
            }
        }
    }

    @Test
    void stringsLongerThanTheLimitAreRejectedBeforeTheirBytesAreRead() {
        for (Site site : allSites()) {
            for (int length : new int[] {Protocol.MAX_STRING_BYTES + 1, 0xFFFF}) {
                byte[] full = new byte[length];
                Arrays.fill(full, (byte) 'a');
                rejects(site.with(full), site.what() + " of " + length + " bytes exceeds");
                if (site == LIST_ENTRY) {
                    continue; // with nothing after the prefix, the entry count check fires first
                }
                // only the length prefix is there: the limit is checked before any need for the bytes
                byte[] prefixOnly = site.with(new byte[0]);
                ByteBuf b = Unpooled.wrappedBuffer(prefixOnly);
                int at = indexOfEmptyString(prefixOnly, site);
                b.setShort(at, length);
                int limit = site.what().equals("client name") ? Protocol.MAX_CLIENT_NAME_BYTES : Protocol.MAX_STRING_BYTES;
                rejects(bytes(b.writerIndex(at + 2)), site.what() + " of " + length + " bytes exceeds " + limit);
            }
        }
    }

    /** Offset of the string's length prefix in a body built with an empty string. */
    private static int indexOfEmptyString(byte[] withEmpty, Site site) {
        byte[] withOne = site.with(new byte[] {'q'});
        for (int i = 0; i < withEmpty.length - 1; i++) {
            if (withEmpty[i] != withOne[i] || withEmpty[i + 1] != withOne[i + 1]) {
                return i;
            }
        }
        throw new AssertionError("no string in " + site);
    }

    @Test
    void aClientNameIsBoundedSoThatHelloFitsTheHandshakeFrameBound() {
        String longest = "é".repeat(Protocol.MAX_CLIENT_NAME_BYTES / 2);
        byte[] nonce = Wire.nonce(0);
        Message.Hello hello = new Message.Hello(Protocol.MAGIC, 1, 1, nonce, longest);
        assertEquals(longest, ((Message.Hello) Wire.decode(Wire.body(hello))).clientName());
        assertEquals(Protocol.MAX_HANDSHAKE_FRAME_BYTES, Wire.frame(hello).length - Protocol.LENGTH_FIELD_BYTES,
                "the largest HELLO is exactly the handshake frame bound");
        assertTrue(Wire.frame(new Message.Auth(new byte[HandshakeProof.PROOF_BYTES], 1)).length - Protocol.LENGTH_FIELD_BYTES
                <= Protocol.MAX_HANDSHAKE_FRAME_BYTES, "AUTH fits the handshake frame bound");
        String tooLong = longest + "a";
        assertThrows(IllegalArgumentException.class, () -> Wire.frame(new Message.Hello(Protocol.MAGIC, 1, 1, nonce, tooLong)));
        ByteBuf body = Unpooled.buffer().writeByte(MessageType.HELLO.code).writeInt(Protocol.MAGIC).writeShort(1).writeShort(1)
                .writeBytes(nonce).writeShort(Protocol.MAX_CLIENT_NAME_BYTES + 1).writeZero(Protocol.MAX_CLIENT_NAME_BYTES + 1);
        rejects(bytes(body), "client name of " + (Protocol.MAX_CLIENT_NAME_BYTES + 1) + " bytes exceeds " + Protocol.MAX_CLIENT_NAME_BYTES);
    }

    @Test
    void aStringOfExactlyTheLimitIsAccepted() {
        String text = "é".repeat(Protocol.MAX_STRING_BYTES / 2);
        Message.Draining d = (Message.Draining) Wire.decode(Wire.body(new Message.Draining(text)));
        assertEquals(text, d.reason());
    }

    // ------------------------------------------------------------------ names

    private static final String SEG_256 = "s".repeat(256);

    /** Bad name, and the reason {@link VolumeName#problem} gives. */
    private static final List<String[]> BAD_NAMES = List.of(
            new String[] {"..", "name has a '..' segment"},
            new String[] {".", "name has a '.' segment"},
            new String[] {"a/../b", "name has a '..' segment"},
            new String[] {"a/./b", "name has a '.' segment"},
            new String[] {"../etc/passwd", "name has a '..' segment"},
            new String[] {"/etc/passwd", "name is absolute"},
            new String[] {"/", "name is absolute"},
            new String[] {"a//b", "name has an empty segment"},
            new String[] {"a/", "name has an empty segment"},
            new String[] {"a\\b", "name contains a backslash"},
            new String[] {"..\\x", "name contains a backslash"},
            new String[] {"a\u0000b", "name contains control character 0x0"},
            new String[] {"a\nb", "name contains control character 0xa"},
            new String[] {"\u001f", "name contains control character 0x1f"},
            new String[] {"a\u007f", "name contains control character 0x7f"},
            new String[] {"d/" + SEG_256, "name has a segment longer than 255 bytes"},
            new String[] {"é".repeat(128), "name has a segment longer than 255 bytes"},
            new String[] {String.join("/", List.of("a".repeat(250), "b".repeat(250), "c".repeat(250), "d".repeat(250),
                    "e".repeat(22))), "name is longer than 1024 bytes"});

    @Test
    void badNamesAreRejectedInEveryNameField() {
        for (Site site : nameSites()) {
            for (String[] bad : BAD_NAMES) {
                String name = bad[0];
                String reason = site == LIST_ENTRY && name.indexOf('/') >= 0 ? "name contains a slash" : bad[1];
                String field = site == LIST_ENTRY ? "bad directory entry name: " : "bad " + site.what() + ": ";
                rejects(site.with(name), field + reason);
            }
        }
    }

    @Test
    void theEmptyNameIsOnlyTheListedRoot() {
        for (Site site : nameSites()) {
            if (site == LISTED_DIRECTORY) {
                assertEquals("", ((Message.Request) Wire.decode(site.with(""))).op().volume());
            } else if (site == LIST_ENTRY) {
                // an entry with an empty name takes 11 bytes, less than the 12 the count check allows per entry
                rejects(site.with(""), "entry count 1 does not fit in the 11 bytes left");
            } else {
                rejects(site.with(""), "bad " + site.what() + ": name is empty");
            }
        }
    }

    @Test
    void listingEntryNamesAreSingleSegments() {
        rejects(LIST_ENTRY.with("a/b"), "bad directory entry name: name contains a slash");
        assertEquals("ab", ((Outcome.Listing) ((Message.Completion) Wire.decode(LIST_ENTRY.with("ab"))).outcome())
                .entries().get(0).name());
    }

    @Test
    void namesAtTheLengthLimitsAreAcceptedInEveryNameField() {
        String segment = "ü".repeat(127) + "x"; // 255 bytes
        String name = String.join("/", segment, segment, segment, "y".repeat(254), "z"); // 3 * 256 + 255 + 1
        assertEquals(1024, RandomMessages.utf8(name));
        for (Site site : nameSites()) {
            Wire.decode(site.with(segment));
            if (site != LIST_ENTRY) {
                Wire.decode(site.with(name));
                rejects(site.with(name + "z"), "name is longer than 1024 bytes");
            }
        }
    }
}
