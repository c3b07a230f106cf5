package org.hapager.server.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bounded cache of open volume channels, least recently used first out.
 *
 * <h2>Lifecycle of an {@link OpenFile}</h2>
 * <pre>
 *   open ─► CACHED (in the map, refs ≥ 0) ─ evict / forget ─► RETIRED (out of the map, refs > 0) ─ last release ─► CLOSED
 *                                            └──────────── refs == 0 ────────────────────────────────────────────┘
 * </pre>
 * A user {@link #acquire}s a file (refs + 1) and {@link #release}s it when done; the group committer holds a
 * reference until it has forced the file, so a delete or rename that drops the entry never closes a channel
 * under a pending force. A retired file is never handed out again: the next acquire opens the path afresh,
 * which matters after a rename (the old inode is no longer the volume) and after a takeover
 * ({@link #forgetAll}), when another server may have replaced files.
 *
 * <p>Concurrency: every field is guarded by {@code this}; opening and closing channels happen outside the lock.
 */
final class OpenFiles {

    /** One open channel of one volume path. */
    static final class OpenFile {
        final Path path;
        final FileChannel channel;
        /** Guarded by the owning {@link OpenFiles}. */
        private int refs;
        /** Guarded by the owning {@link OpenFiles}: out of the map, close on the last release. */
        private boolean retired;
        /**
         * A sync through this channel fsynced the directory entry of its path: later syncs need not (a rename or
         * a delete fsyncs the directories itself, and drops this channel from the cache).
         */
        volatile boolean entryDurable;
        /**
         * A buffered write went into this channel since the last force began: forcing it may flush much more
         * than one request's pages, so {@link GroupCommitter} does not run that force on a caller's event loop.
         */
        volatile boolean bufferedSinceForce;

        private OpenFile(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
        }
    }

    private final int capacity;
    /** Access-ordered: the eldest entry is the least recently used. */
    private final LinkedHashMap<Path, OpenFile> cache = new LinkedHashMap<>(16, 0.75f, true);

    /** @param capacity most channels kept open while unused */
    OpenFiles(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity : " + capacity + " (expected: >= 1)");
        }
        this.capacity = capacity;
    }

    /**
     * The cached channel of {@code path} with a reference taken, or null if none is cached. A cached channel
     * was checked when it was opened (reached through directory handles, never through a link; one link), and
     * deletes and renames retire it, so callers may skip the checks.
     */
    synchronized OpenFile acquireCached(Path path) {
        OpenFile cached = cache.get(path);
        if (cached != null) {
            cached.refs++;
        }
        return cached;
    }

    /** How a channel is opened when none is cached: {@link VolumePaths#openVolume}, which checks the file. */
    interface Opener {
        FileChannel open() throws IOException, StoreException;
    }

    /**
     * Returns the cached channel of {@code path} with a reference taken, or one {@code opener} opens (then cached).
     * {@code path} is only the key: the opener must open the file that is there now.
     */
    OpenFile acquire(Path path, Opener opener) throws IOException, StoreException {
        synchronized (this) {
            OpenFile cached = cache.get(path);
            if (cached != null) {
                cached.refs++;
                return cached;
            }
        }
        FileChannel channel = opener.open();
        OpenFile opened = new OpenFile(path, channel);
        List<OpenFile> toClose = new ArrayList<>();
        OpenFile result;
        synchronized (this) {
            OpenFile raced = cache.get(path);
            if (raced != null) {
                raced.refs++;
                result = raced;
                toClose.add(opened);
            } else {
                opened.refs = 1;
                cache.put(path, opened);
                result = opened;
                evictOverCapacity(toClose);
            }
        }
        closeAll(toClose);
        return result;
    }

    /** Gives back a reference taken by {@link #acquire}. */
    void release(OpenFile file) {
        boolean close;
        synchronized (this) {
            if (--file.refs < 0) {
                throw new IllegalStateException("open file " + file.path + " released more often than acquired");
            }
            close = file.retired && file.refs == 0;
        }
        if (close) {
            closeAll(List.of(file));
        }
    }

    /** Drops every entry at {@code path} or below it (a deleted or renamed volume or directory). */
    void forget(Path path) {
        List<OpenFile> toClose = new ArrayList<>();
        synchronized (this) {
            for (Iterator<Map.Entry<Path, OpenFile>> it = cache.entrySet().iterator(); it.hasNext(); ) {
                OpenFile f = it.next().getValue();
                if (f.path.startsWith(path)) {
                    it.remove();
                    retire(f, toClose);
                }
            }
        }
        closeAll(toClose);
    }

    /** Drops every entry: after a takeover, another server may have renamed or replaced any file. */
    void forgetAll() {
        List<OpenFile> toClose = new ArrayList<>();
        synchronized (this) {
            for (OpenFile f : cache.values()) {
                retire(f, toClose);
            }
            cache.clear();
        }
        closeAll(toClose);
    }

    synchronized int size() {
        return cache.size();
    }

    private void evictOverCapacity(List<OpenFile> toClose) {
        Iterator<OpenFile> it = cache.values().iterator();
        while (cache.size() > capacity && it.hasNext()) {
            OpenFile eldest = it.next();
            it.remove();
            retire(eldest, toClose);
        }
    }

    private static void retire(OpenFile f, List<OpenFile> toClose) {
        f.retired = true;
        if (f.refs == 0) {
            toClose.add(f);
        }
    }

    private static void closeAll(List<OpenFile> files) {
        for (OpenFile f : files) {
            try {
                f.channel.close();
            } catch (IOException e) {
                // a close failure loses nothing: every write was forced before its completion went out
                org.slf4j.LoggerFactory.getLogger(OpenFiles.class).warn("closing volume file {} failed: {}", f.path, e.toString());
            }
        }
    }
}
