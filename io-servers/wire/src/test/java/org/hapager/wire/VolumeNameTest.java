package org.hapager.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(SeedExtension.class)
class VolumeNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "db1/seg0/c10.dat", "x.dat", "...", ".hidden", "a..b", "a b", "a:b", "~",
        "données/été.dat", "日本/語", "😀/𝄞", "Ω-ж_ß", "a/b/c/d/e/f/g/h/i/j"})
    void validNamesAreAcceptedAsVolumesAndDirectories(String name) {
        assertEquals(name, VolumeName.volume(name));
        assertEquals(name, VolumeName.directory(name));
        assertNull(VolumeName.problem(name, false));
    }

    @Test
    void theRootIsADirectoryButNotAVolume() {
        assertEquals("", VolumeName.directory(""));
        VolumeName.InvalidNameException e = assertThrows(VolumeName.InvalidNameException.class, () -> VolumeName.volume(""));
        assertEquals("name is empty", e.reason());
        assertEquals("invalid volume name \"\": name is empty", e.getMessage());
    }

    @Test
    void nullIsMissing() {
        VolumeName.InvalidNameException e = assertThrows(VolumeName.InvalidNameException.class, () -> VolumeName.volume(null));
        assertEquals("name is missing", e.reason());
        assertEquals("invalid volume name null: name is missing", e.getMessage());
        assertThrows(VolumeName.InvalidNameException.class, () -> VolumeName.directory(null));
    }

    @Test
    void eachRuleIsRejectedWithItsReason() {
        String seg255 = "s".repeat(255);
        List<String[]> cases = List.of(
                new String[] {"..", "name has a '..' segment"},
                new String[] {"a/..", "name has a '..' segment"},
                new String[] {"../a", "name has a '..' segment"},
                new String[] {".", "name has a '.' segment"},
                new String[] {"a/./b", "name has a '.' segment"},
                new String[] {"/a", "name is absolute"},
                new String[] {"//a", "name is absolute"},
                new String[] {"a//b", "name has an empty segment"},
                new String[] {"a/", "name has an empty segment"},
                new String[] {"a\\b", "name contains a backslash"},
                new String[] {"C:\\x", "name contains a backslash"},
                new String[] {"a\0", "name contains control character 0x0"},
                new String[] {"\tx", "name contains control character 0x9"},
                new String[] {"x\r", "name contains control character 0xd"},
                new String[] {"a\u007fb", "name contains control character 0x7f"},
                new String[] {"log\u2028ERROR forged", "name contains invisible or line-breaking character U+2028"},
                new String[] {"a\u2029b", "name contains invisible or line-breaking character U+2029"},
                new String[] {"evil\u202Etxt.dat", "name contains invisible or line-breaking character U+202E"},
                new String[] {"\uFEFFx", "name contains invisible or line-breaking character U+FEFF"},
                new String[] {"a\u200Bb", "name contains invisible or line-breaking character U+200B"},
                new String[] {seg255 + "s", "name has a segment longer than 255 bytes"},
                new String[] {"d/" + "é".repeat(127) + "ab", "name has a segment longer than 255 bytes"},
                new String[] {String.join("/", seg255, seg255, seg255, seg255, "abc"), "name is longer than 1024 bytes"},
                new String[] {"a\uD800", "name contains an unpaired surrogate"},
                new String[] {"\uDC00a", "name contains an unpaired surrogate"},
                new String[] {"a\uDE00\uD83D", "name contains an unpaired surrogate"});
        for (String[] c : cases) {
            VolumeName.InvalidNameException e = assertThrows(VolumeName.InvalidNameException.class,
                    () -> VolumeName.volume(c[0]), c[0]);
            assertEquals(c[1], e.reason(), c[0]);
            assertTrue(e.getMessage().endsWith(": " + c[1]), e.getMessage());
            assertEquals(c[1], VolumeName.problem(c[0], true), "directories follow the same rules: " + c[0]);
            assertThrows(VolumeName.InvalidNameException.class, () -> VolumeName.directory(c[0]));
        }
    }

    @Test
    void limitsAreCountedInUtf8Bytes() {
        String seg255 = "s".repeat(255);
        assertNull(VolumeName.problem(seg255, false));
        assertNull(VolumeName.problem("é".repeat(127) + "a", false), "255 bytes in 128 chars");
        String name1024 = String.join("/", seg255, seg255, seg255, "t".repeat(254), "u");
        assertEquals(1024, RandomMessages.utf8(name1024));
        assertNull(VolumeName.problem(name1024, false));
        assertEquals("name is longer than 1024 bytes", VolumeName.problem(name1024.replace("u", "é"), false));
        assertNull(VolumeName.problem("😀".repeat(63), false), "252 bytes of four-byte characters");
        assertEquals("name has a segment longer than 255 bytes", VolumeName.problem("😀".repeat(64), false));
    }

    @Test
    void theMessageQuotesControlCharactersAndQuotesSafely() {
        VolumeName.InvalidNameException e = assertThrows(VolumeName.InvalidNameException.class,
                () -> VolumeName.volume("a\nb\u0000c\u001b[2J\"d\u007f"));
        assertEquals("invalid volume name \"a\\u000ab\\u0000c\\u001b[2J\\u0022d\\u007f\": name contains control character 0xa",
                e.getMessage());
        for (char c : e.getMessage().toCharArray()) {
            assertTrue(c >= 0x20 && c != 0x7f, "no raw control character in the message");
        }
    }

    @Test
    void longNamesAreQuotedShortened() {
        String name = "x".repeat(2000);
        VolumeName.InvalidNameException e = assertThrows(VolumeName.InvalidNameException.class, () -> VolumeName.volume(name));
        assertEquals("invalid volume name \"" + "x".repeat(120) + "…(2000 chars)\": name is longer than 1024 bytes",
                e.getMessage());
    }

    @Test
    void randomGeneratedNamesAreValid(Seed seed) {
        SplittableRandom random = seed.splittable();
        RandomMessages gen = new RandomMessages(random);
        for (int i = 0; i < 2000; i++) {
            String name = gen.volumeName();
            assertEquals(name, VolumeName.volume(name));
            if (RandomMessages.utf8(name) > VolumeName.MAX_NAME_BYTES - 3) {
                continue; // the variants below would break the length rule first
            }
            assertEquals("name has an empty segment", VolumeName.problem(name + "/", false), name);
            assertEquals("name is absolute", VolumeName.problem("/" + name, false), name);
            assertEquals("name has a '..' segment", VolumeName.problem(name + "/..", false), name);
        }
    }
}
