package org.hapager.server.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.hapager.wire.Status;
import org.hapager.wire.VolumeName;

/**
 * Maps volume names to paths under the volumes root, as defense in depth behind the codec's name checks:
 * the name is validated again with {@link VolumeName}, the normalized path must stay under the root, and
 * no existing component of it may be a symbolic link (so a link planted in the data directory cannot lead
 * outside it). Stateless and thread-safe.
 */
final class VolumePaths {

    private final Path root;

    /** @param root the volumes directory; must exist and is made absolute and real (links resolved once). */
    VolumePaths(Path root) throws IOException {
        this.root = root.toRealPath();
    }

    Path root() {
        return root;
    }

    /** The checked path of a volume or directory; {@code rootAllowed} lets the empty name mean the root. */
    Path resolve(String name, boolean rootAllowed) throws StoreException {
        Path path = lexical(name, rootAllowed);
        refuseLinks(name, path);
        return path;
    }

    /**
     * The path of a name, checked without touching the file system: the name rules, and that it stays under
     * the root. {@link #resolve} adds the check for symbolic links along the path.
     */
    Path lexical(String name, boolean rootAllowed) throws StoreException {
        String problem = VolumeName.problem(name, rootAllowed);
        if (problem != null) {
            throw new StoreException(Status.INVALID, "invalid volume name: " + problem);
        }
        Path path = root.resolve(name).normalize();
        if (!path.startsWith(root)) {
            throw new StoreException(Status.INVALID, "volume " + name + " resolves outside the data directory");
        }
        return path;
    }

    private void refuseLinks(String name, Path path) throws StoreException {
        Path current = root;
        for (Path segment : root.relativize(path)) {
            if (segment.toString().isEmpty()) {
                break; // the root itself
            }
            current = current.resolve(segment);
            if (Files.isSymbolicLink(current)) {
                throw new StoreException(Status.INVALID, "volume " + name + ": " + root.relativize(current)
                        + " is a symbolic link; the server does not follow links");
            }
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
                break; // nothing below a missing component can be a link yet
            }
        }
    }

    /** The name of {@code path} relative to the root, for messages. */
    String nameOf(Path path) {
        return root.relativize(path).toString();
    }

    /** Attributes without following links, or null if nothing is there (also when a parent is a file). */
    static BasicFileAttributes attributes(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (java.nio.file.FileSystemException e) {
            if (parentIsAFile(e)) {
                return null;
            }
            throw e;
        }
    }

    /** ENOTDIR: a component of the path is a file, so nothing can be at the path (Java has no exception for it). */
    static boolean parentIsAFile(java.nio.file.FileSystemException e) {
        return e.getReason() != null && e.getReason().contains("Not a directory");
    }
}
