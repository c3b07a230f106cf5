package org.hapager.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {

    @TempDir
    Path dir;

    @Test
    void aMissingFileIsCreatedOwnerOnlyWithARandomHexToken() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "needs POSIX permissions");
        Path file = dir.resolve("sub/dir/token");
        byte[] token = TokenFile.readOrCreate(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String text = new String(token, StandardCharsets.US_ASCII);
        assertTrue(text.matches("[0-9a-f]{64}"), text);
        assertTrue(token.length >= 16);
        assertEquals(text + "\n", Files.readString(file));
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void theTokenReadsBackIdentically() throws IOException {
        Path file = dir.resolve("token");
        byte[] created = TokenFile.readOrCreate(file);
        assertArrayEquals(created, TokenFile.readOrCreate(file), "an existing file is not replaced");
        assertArrayEquals(created, TokenFile.read(file));
        new HandshakeProof(created); // long enough to key the proofs
    }

    @Test
    void twoMissingFilesGetDifferentTokens() throws IOException {
        assertTrue(!java.util.Arrays.equals(TokenFile.readOrCreate(dir.resolve("a")), TokenFile.readOrCreate(dir.resolve("b"))));
    }

    @Test
    void anExistingTokenIsReadWithoutSurroundingWhitespace() throws IOException {
        Path file = dir.resolve("token");
        Files.writeString(file, "  \tmy shared secret 123\r\n\n");
        assertArrayEquals("my shared secret 123".getBytes(StandardCharsets.UTF_8), TokenFile.readOrCreate(file));
        assertEquals("  \tmy shared secret 123\r\n\n", Files.readString(file), "the file is left alone");
    }

    @Test
    void aTooShortTokenIsAClearError() throws IOException {
        Path file = dir.resolve("token");
        Files.writeString(file, "short-secret\n");
        IOException e = assertThrows(IOException.class, () -> TokenFile.read(file));
        assertEquals("token file " + file + " holds 12 characters (expected: at least 16)", e.getMessage());
        assertThrows(IOException.class, () -> TokenFile.readOrCreate(file), "an existing short file is not replaced");
        Files.writeString(file, "0123456789abcde");
        assertThrows(IOException.class, () -> TokenFile.read(file), "15 characters");
        Files.writeString(file, "0123456789abcdef");
        assertEquals(16, TokenFile.read(file).length);
    }

    @Test
    void anEmptyOrBlankFileIsAClearError() throws IOException {
        Path file = dir.resolve("token");
        Files.writeString(file, " \n\t \n");
        IOException e = assertThrows(IOException.class, () -> TokenFile.readOrCreate(file));
        assertTrue(e.getMessage().contains("holds 0 characters"), e.getMessage());
    }
}
