package org.hapager.server.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * What the page server creates in its data directory is its user's alone: files 0600, directories 0700, whatever
 * the umask. Each is created with that mode as its attribute (the umask can only take bits away from it) and the
 * mode is then set explicitly (in case the umask took the owner's bits too). Existing files and directories keep
 * the modes they have.
 */
public final class PrivateFiles {

    public static final Set<PosixFilePermission> FILE_PERMISSIONS = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> DIRECTORY_PERMISSIONS = PosixFilePermissions.fromString("rwx------");
    public static final FileAttribute<Set<PosixFilePermission>> FILE = PosixFilePermissions.asFileAttribute(FILE_PERMISSIONS);
    public static final FileAttribute<Set<PosixFilePermission>> DIRECTORY =
            PosixFilePermissions.asFileAttribute(DIRECTORY_PERMISSIONS);

    private PrivateFiles() {
    }

    /** Creates {@code dir} and its missing parents, each 0700; existing ones are left as they are. */
    public static void createDirectories(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return;
        }
        Path parent = absolute.getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(absolute, DIRECTORY);
        } catch (FileAlreadyExistsException e) {
            if (Files.isDirectory(absolute)) {
                return; // created meanwhile: not ours to change
            }
            throw e;
        }
        Files.setPosixFilePermissions(absolute, DIRECTORY_PERMISSIONS);
    }

    /** Sets the mode of {@code entry} of {@code dir}, without following a link. */
    static void restrict(SecureDirectoryStream<Path> dir, Path entry, Set<PosixFilePermission> permissions) throws IOException {
        dir.getFileAttributeView(entry, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setPermissions(permissions);
    }

    /** Sets the mode of {@code file} (which this process just created), without following a link. */
    public static void restrict(Path file, Set<PosixFilePermission> permissions) throws IOException {
        Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setPermissions(permissions);
    }
}
