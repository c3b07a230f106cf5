package org.hapager.server.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.hapager.wire.Status;

/**
 * Directory-level durability: a new, removed or renamed entry is durable only once its parent directory is
 * fsynced, and a newly created directory chain needs each new directory and the first existing ancestor
 * fsynced. A failed {@code fsync} is a failed flush like a group commit's: it goes to the store's
 * {@link StickyFlushFailure} (the owner is told, and the store fails everything afterwards) and is thrown as its
 * {@link FlushFailedException}. Called on I/O threads; its only state is that shared switch.
 */
final class Durability {

    private final StickyFlushFailure failures;

    Durability(StickyFlushFailure failures) {
        this.failures = failures;
    }

    /** {@code fsync} of a directory (Linux allows it on a read-only descriptor). */
    void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            force(dir, channel);
        }
    }

    /** {@code fsync} of a file's data and metadata. */
    void fsyncFile(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            force(file, channel);
        }
    }

    /** Fsyncs every directory of {@code dirs} in order. */
    void fsyncDirectories(List<Path> dirs) throws IOException {
        for (Path d : dirs) {
            fsyncDirectory(d);
        }
    }

    private void force(Path path, FileChannel channel) throws IOException {
        FlushFailedException failed = failures.failure();
        if (failed != null) {
            throw failed;
        }
        try {
            channel.force(true);
        } catch (IOException e) {
            throw failures.record(path, e);
        }
    }

    /**
     * Creates {@code dir} and its missing parents (never above {@code root}) and returns the directories whose
     * entries changed, deepest first: each new directory's parent, ending with the first existing ancestor.
     * When {@code dir} already exists the list holds just {@code dir}.
     */
    static List<Path> createDirectories(Path root, Path dir, String volume) throws IOException, StoreException {
        List<Path> missing = new ArrayList<>();
        Path existing = dir;
        while (!existing.equals(root) && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            missing.add(existing);
            existing = existing.getParent();
        }
        if (!Files.isDirectory(existing, LinkOption.NOFOLLOW_LINKS)) {
            throw new StoreException(Status.INVALID, "volume " + volume + ": " + root.relativize(existing)
                    + " is a volume, not a directory");
        }
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            // a component turned into a file since the check above: name it relative to the root, never the server's path
            String file = e.getFile() == null ? "a component of its path" : root.relativize(Path.of(e.getFile())).toString();
            throw new StoreException(Status.INVALID, "volume " + volume + ": " + file + " is not a directory");
        }
        List<Path> changed = new ArrayList<>(missing);
        changed.add(existing);
        return changed;
    }

}
