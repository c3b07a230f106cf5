package org.hapager.server.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What the owner of a {@link VolumeStore} does when the store can no longer vouch for what it wrote: a force
 * ({@code fdatasync} or {@code fsync}) of a volume file, or of a directory a namespace operation changed, failed.
 *
 * <p>After a failed writeback Linux may drop the dirty pages it could not write and reports the error only once
 * per descriptor, so a later force of the same file can succeed although earlier writes never reached the disk
 * (PostgreSQL's "fsyncgate"). The store therefore treats the failure as sticky (see {@link FlushFailedException})
 * and tells its owner once, through this callback, <em>before</em> any request that depended on the failed force
 * completes. The page server's answer is to fence itself: it stops answering, closes every connection and exits,
 * so that clients reissue everything unacknowledged to the secondary.
 */
@FunctionalInterface
public interface StorageFailure {

    /**
     * Called at most once per store, on the thread whose force failed (a {@code group-commit-N} thread or an I/O
     * thread), before the futures of the requests that depended on it complete. Must not block.
     *
     * @param volume the volume or directory name (its path under {@code DIR/volumes}; "." for that directory)
     * @param file   the file or directory whose force failed
     * @param cause  the force's exception
     */
    void flushFailed(String volume, Path file, IOException cause);
}
