package org.hapager.server.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The store's one-way switch for a failed flush: of a volume file (the group commit, which alone forces volume
 * channels) or of a file or directory a namespace operation changed ({@link Durability}).
 *
 * <pre>
 *   CLEAN ──{@link #record} (a force failed)──► FAILED (final)
 * </pre>
 * In FAILED every later commit, flush barrier, sync and storage operation of the store fails with the
 * {@link FlushFailedException} of the first failure; nothing goes back to CLEAN (only a new process, which opens
 * every file afresh, does).
 *
 * <h2>Ordering</h2>
 * {@link #record} calls the {@link StorageFailure} callback <em>before</em> it publishes the failure, under a lock
 * that a second failing force waits on. So no future of this store completes with a flush failure before the
 * owner has heard of it: the page server fences its sessions first, and the failed requests are never answered
 * (an IO_ERROR answer would reach the caller; a dropped connection makes the client reissue).
 *
 * <p>Concurrency: {@code failure} is volatile and written once, under {@code this}; readers never lock.
 */
final class StickyFlushFailure {

    private final Path volumesRoot;
    private final StorageFailure onFailure;
    /** Null while CLEAN; written once, under {@code this}, after the callback returned. */
    private volatile FlushFailedException failure;

    /** @param volumesRoot names volumes in messages (file paths are relative to it) */
    StickyFlushFailure(Path volumesRoot, StorageFailure onFailure) {
        this.volumesRoot = volumesRoot;
        this.onFailure = onFailure;
    }

    /**
     * Enters FAILED for a failed force of {@code file} (or stays in it) and returns the sticky failure. The first
     * call tells the owner, on this thread, before returning.
     */
    synchronized FlushFailedException record(Path file, IOException cause) {
        if (failure == null) {
            String volume = !file.startsWith(volumesRoot) ? file.toString()
                    : file.equals(volumesRoot) ? "." : volumesRoot.relativize(file).toString();
            try {
                onFailure.flushFailed(volume, file, cause);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(StickyFlushFailure.class).error(
                        "the storage failure handler failed for volume {}: {}", volume, e.toString(), e);
            } finally {
                failure = new FlushFailedException(volume, file, cause);
            }
        }
        return failure;
    }

    /** The first failed flush's exception, or null while CLEAN. */
    FlushFailedException failure() {
        return failure;
    }
}
