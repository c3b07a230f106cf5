/**
 * The volumes of the shared data directory: {@code DIR/volumes/<name>} holds exactly a volume's bytes, and
 * directories are real directories ({@code DIR/locks/} is kept free for reservations).
 *
 * <p>{@link org.hapager.server.store.VolumeStore} is the package's API: it executes one {@link org.hapager.wire.Op}
 * on a fixed pool of I/O threads and completes a future with the {@link org.hapager.wire.Outcome} or a
 * {@link org.hapager.server.store.StoreException}. Durable writes, length changes and syncs become durable through
 * the group committer ({@link org.hapager.server.store.GroupCommitter}), which forces each file once per batch of
 * its commits, files independently. Open channels are cached by {@link org.hapager.server.store.OpenFiles}. Every name is checked again
 * by {@link org.hapager.server.store.VolumePaths}, which maps it to pure ASCII file names and reaches every file
 * through directory handles opened without following links (never by a path a link could redirect), and refuses
 * a volume file with more than one link. What the store creates is private: directories 0700, files 0600
 * ({@link org.hapager.server.store.PrivateFiles}).
 *
 * <p>A failed flush is final. When a force fails (the group commit's {@code fdatasync}, which forces every volume
 * file for writes, length changes and syncs, one force at a time; or the {@code fsync} of a file or directory a
 * namespace operation changed), the page cache may have dropped the data of the failed writeback and a later force of
 * the same file would not say so. The store then tells its owner once, through the
 * {@link org.hapager.server.store.StorageFailure} given to {@code VolumeStore.open}, before any request that
 * depended on the force completes, and from then on fails every operation, commit and flush with a
 * {@link org.hapager.server.store.FlushFailedException}: no write is acknowledged after a failed flush. The page
 * server fences itself on that call (no answer to anything, connections closed, exit code 74), so clients
 * reissue to the secondary.
 *
 * <p>Threads: I/O threads ({@code page-io-N}) run operations; {@code group-commit-N} force files and
 * complete writes. Nothing here runs on a Netty event loop.
 */
package org.hapager.server.store;
