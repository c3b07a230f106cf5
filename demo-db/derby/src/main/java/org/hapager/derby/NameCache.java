package org.hapager.derby;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.hapager.pager.VolumeStat;

/**
 * What this JVM knows of names in its databases: a file, a directory, or nothing there. Derby asks the same
 * questions again and again (each container's name four times as it opens it, the log directory a dozen
 * times at boot), and each answer from the page servers costs a round trip: a boot asked about a hundred.
 * While this JVM holds a database's lock, nobody else changes the names under it, so an answer stays true
 * until this JVM itself changes the name, and that goes through {@link Cluster}, which tells this cache.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li>{@link Cluster} consults an entry only for a name inside a database whose lock this JVM holds, and
 *       never for the lock file nor {@code service.properties*}, which Derby reads and may rewrite before it
 *       takes the lock.</li>
 *   <li>Every change of the namespace through this JVM, whether or not the lock is held, {@linkplain #forget
 *       forgets} the names it can change (the name, everything under it, the directories above it) before it
 *       is issued, and again when it is {@linkplain #changed done} (learning its outcome if it succeeded).
 *       Each of these bumps the generation.</li>
 *   <li>An answer from the servers is {@linkplain #learn learnt} only if the generation did not move between
 *       the question and the answer: an answer that may predate a change's end is dropped.</li>
 *   <li>{@link Cluster} forgets a database's names when it takes the lock over a record other than the one
 *       this JVM released last: another JVM may have held it and changed them.</li>
 *   <li>At most {@link #MAX_ENTRIES} entries; learning one more when full starts the cache afresh.</li>
 * </ol>
 *
 * <p>Thread-safe: every method holds the cache's monitor for a few map operations, never across I/O.
 */
final class NameCache {

    /** What is at a name. */
    enum Kind {
        MISSING, FILE, DIRECTORY;

        static Kind of(VolumeStat stat) {
            return !stat.exists() ? MISSING : stat.directory() ? DIRECTORY : FILE;
        }

        boolean exists() {
            return this != MISSING;
        }
    }

    static final int MAX_ENTRIES = 8192;

    private final Map<String, Kind> kinds = new HashMap<>();
    private long generation;

    /** What is known at {@code path}, or null. */
    synchronized Kind get(String path) {
        return kinds.get(path);
    }

    /** The generation to pass to {@link #learn} with the answer to a question asked now. */
    synchronized long generation() {
        return generation;
    }

    /** Records {@code kind} at {@code path} unless the namespace changed since {@code asOf} (invariant 3). */
    synchronized void learn(String path, Kind kind, long asOf) {
        if (asOf != generation) {
            return;
        }
        if (kinds.size() >= MAX_ENTRIES && !kinds.containsKey(path)) {
            kinds.clear();
        }
        kinds.put(path, kind);
    }

    /**
     * Forgets {@code path}, every name under it and every directory above it: the names a create, delete,
     * mkdirs or rename of it can change (the page servers make missing parents on the way).
     */
    synchronized void forget(String path) {
        generation++;
        String under = path + "/";
        for (Iterator<String> it = kinds.keySet().iterator(); it.hasNext(); ) {
            String p = it.next();
            if (p.equals(path) || p.startsWith(under) || path.startsWith(p + "/")) {
                it.remove();
            }
        }
    }

    /**
     * A change of {@code path} ended: forgets again what it can have changed (answers read while it ran may
     * predate it) and records {@code outcome}, unless null (the change failed: what happened is unknown).
     */
    synchronized void changed(String path, Kind outcome) {
        forget(path);
        if (outcome != null) {
            learn(path, outcome, generation);
        }
    }

    /** Forgets every name of the database in directory {@code database} (invariant 4). */
    synchronized void forgetDatabase(String database) {
        generation++;
        String under = database + "/";
        kinds.keySet().removeIf(p -> p.startsWith(under));
    }
}
