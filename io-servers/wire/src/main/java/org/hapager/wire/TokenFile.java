package org.hapager.wire;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * The shared secret both client and servers read from a file. A missing file is created with mode 0600
 * holding 32 random bytes in hex; the token is the file's content with surrounding whitespace removed.
 */
public final class TokenFile {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private TokenFile() {
    }

    /** Reads the token, creating the file first if it does not exist. */
    public static byte[] readOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            byte[] content = (HexFormat.of().formatHex(secret) + "\n").getBytes(StandardCharsets.US_ASCII);
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                // a directory made for the secret is private too (the default is the data directory)
                Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            // Write a private temporary file, then link it into place: readers never see a half-written
            // token, and if another process won the race we read theirs.
            Path tmp = Files.createTempFile(parent, ".token", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            try {
                Files.setPosixFilePermissions(tmp, OWNER_ONLY);
                Files.write(tmp, content, StandardOpenOption.SYNC);
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException raced) {
                // another process created it first
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return read(file);
    }

    /**
     * What is wrong with the mode of an existing token file, or null if only its owner may use it: a token that
     * other users can read lets any of them connect as a client.
     */
    public static String exposure(Path file) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        Set<PosixFilePermission> others = EnumSet.copyOf(permissions);
        others.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE));
        if (others.isEmpty()) {
            return null;
        }
        return "token file " + file + " has mode " + PosixFilePermissions.toString(permissions)
                + ": other users can read the shared secret and connect as clients; make it private (chmod 600)";
    }

    /** Reads an existing token file. */
    public static byte[] read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (text.length() < 16) {
            throw new IOException("token file " + file + " holds " + text.length() + " characters (expected: at least 16)");
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
