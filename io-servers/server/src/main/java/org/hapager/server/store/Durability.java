package org.hapager.server.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * Directory-level durability: a new, removed or renamed entry is durable only once its parent directory is
 * fsynced, and a newly created directory needs its parent fsynced. Directories are reached through the handles
 * of {@link VolumePaths}, never by path. A failed {@code fsync} is a failed flush like a group commit's: it goes
 * to the store's {@link StickyFlushFailure} (the owner is told, and the store fails everything afterwards) and is
 * thrown as its {@link FlushFailedException}. Called on I/O threads; its only state is that shared switch.
 */
final class Durability {

    private static final Path SELF = Path.of(".");

    private final StickyFlushFailure failures;

    Durability(StickyFlushFailure failures) {
        this.failures = failures;
    }

    /**
     * {@code fsync} of the directory {@code dir} is a handle on (opened afresh as {@code "."} relative to it; Linux
     * allows an fsync on a read-only descriptor); {@code shown} names it in the failure.
     */
    void fsyncDirectory(SecureDirectoryStream<Path> dir, Path shown) throws IOException {
        try (FileChannel channel = (FileChannel) dir.newByteChannel(SELF, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            fsync(shown, channel, true);
        }
    }

    /** Forces {@code channel} (its metadata too if {@code metadata}), a failure being final; {@code shown} names it. */
    void fsync(Path shown, FileChannel channel, boolean metadata) throws IOException {
        FlushFailedException failed = failures.failure();
        if (failed != null) {
            throw failed;
        }
        try {
            channel.force(metadata);
        } catch (IOException e) {
            throw failures.record(shown, e);
        }
    }
}
