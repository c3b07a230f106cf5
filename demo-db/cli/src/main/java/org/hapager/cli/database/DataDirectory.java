package org.hapager.cli.database;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The directory a command keeps its run's files in (page servers' store, Derby's files, derby.log): the one
 * the user named, kept afterwards, or a temporary one, removed at the end unless the run failed (its logs
 * and store are then the evidence). Immutable; {@link #finish} may run from a shutdown hook.
 */
public record DataDirectory(Path path, boolean temporary) {

    /** {@code named} (created if missing), or a new temporary directory {@code PREFIX…} if it is null. */
    public static DataDirectory open(Path named, String prefix) throws IOException {
        return named == null ? new DataDirectory(Files.createTempDirectory(prefix), true)
                : new DataDirectory(Files.createDirectories(named).toAbsolutePath(), false);
    }

    public Path resolve(String name) {
        return path.resolve(name);
    }

    /** For the command's first lines: {@code DIR (temporary, removed at the end)} or {@code DIR (kept)}. */
    public String describe() {
        return path + (temporary ? " (temporary, removed at the end)" : " (kept)");
    }

    /**
     * Removes a temporary directory unless {@code keep}; says where a kept temporary one is ({@code what}: what
     * is in it worth a look).
     */
    public void finish(boolean keep, String what, PrintWriter out) {
        if (!temporary) {
            return;
        }
        if (keep) {
            out.println("data kept for inspection (" + what + "): " + path);
            out.flush();
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("hapager: could not remove " + path + ": " + e);
        }
    }
}
