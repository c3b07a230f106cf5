package org.hapager.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk form of names: ASCII as it is, every other character's UTF-8 bytes escaped, one spelling per name. */
class VolumePathsTest {

    @TempDir
    Path dir;

    @Test
    void asciiNamesAreStoredAsTheyAre() {
        for (String segment : List.of("c10.dat", "service.properties", "log%1.dat", "a b", "x~y")) {
            assertEquals(segment, VolumePaths.storedName(segment));
            assertEquals(segment, VolumePaths.segmentOf(segment));
        }
    }

    @Test
    void otherCharactersAreEscapedReversiblyInAscii() {
        assertEquals("\\c3\\bcn\\c3\\af", VolumePaths.storedName("ünï"));
        for (String segment : List.of("çödé.dat", "页面.dat", "emoji-\uD83D\uDE00", "mixed-é-%5c")) {
            String stored = VolumePaths.storedName(segment);
            assertTrue(stored.chars().allMatch(c -> c < 0x80), stored);
            assertEquals(segment, VolumePaths.segmentOf(stored));
        }
    }

    @Test
    void fileNamesThatAreNotTheStoredFormOfANameAreNoVolumes() {
        assertNull(VolumePaths.segmentOf("\\41"), "an escaped ASCII character");
        assertNull(VolumePaths.segmentOf("\\C3\\BC"), "upper-case hex digits");
        assertNull(VolumePaths.segmentOf("\\c3"), "a truncated UTF-8 sequence");
        assertNull(VolumePaths.segmentOf("\\zz"), "not hex");
        assertNull(VolumePaths.segmentOf("a\\"), "a lone backslash");
        assertNull(VolumePaths.segmentOf("\\c2\\85"), "a C1 control character");
        assertNull(VolumePaths.segmentOf("ü"), "raw UTF-8 as the locale decoded it");
        assertNull(VolumePaths.segmentOf("\\creating-1234"), "a directory being created");
    }

    @Test
    void aComponentTooLongOnceStoredIsInvalidNotAnIoError() throws IOException {
        try (StoreFixture f = new StoreFixture(dir)) {
            String name = "é".repeat(43); // 86 bytes as UTF-8, 258 once stored
            StoreException e = f.failure(new Op.Create(name, true), Status.INVALID);
            assertTrue(e.getMessage().contains("more than the 255"), e.getMessage());
            f.ok(new Op.Create("é".repeat(42), true));
            Outcome.Listing listing = (Outcome.Listing) f.ok(new Op.List(""));
            assertEquals(List.of(new Outcome.Entry("é".repeat(42), false, 0)), listing.entries());
        }
    }

    @Test
    void rawNonAsciiFileNamesAreLeftOutOfListings() throws IOException {
        try (StoreFixture f = new StoreFixture(dir)) {
            Files.createFile(f.volumes().resolve("\\41"));
            f.ok(new Op.Create("ünï", true));
            Outcome.Listing listing = (Outcome.Listing) f.ok(new Op.List(""));
            assertEquals(List.of(new Outcome.Entry("ünï", false, 0)), listing.entries());
            assertTrue(Files.exists(f.volumes().resolve("\\c3\\bcn\\c3\\af")));
        }
    }

    @Test
    void anInterruptedDirectoryCreationIsCleanedUpAtOpen() throws IOException {
        Path leftover = Files.createDirectories(dir.resolve("volumes").resolve("\\creating-0b9e"));
        Path notOurs = Files.createDirectories(dir.resolve("volumes").resolve("kept"));
        try (StoreFixture f = new StoreFixture(dir)) {
            assertTrue(Files.notExists(leftover), "the leftover of a crash is removed");
            assertTrue(Files.isDirectory(notOurs));
            f.ok(new Op.Mkdirs("a/b/c"));
            try (var entries = Files.list(f.volumes())) {
                assertEquals(List.of("a", "kept"), entries.map(p -> p.getFileName().toString()).sorted().toList(),
                        "no temporary directory is left behind");
            }
        }
    }
}
