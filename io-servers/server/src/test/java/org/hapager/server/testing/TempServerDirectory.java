package org.hapager.server.testing;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * A base for tests of real page-server processes: each test gets a fresh temporary directory {@link #dir} that
 * holds the server's data directory and the client token file, and anything else the test needs.
 */
public abstract class TempServerDirectory {

    @TempDir
    protected Path dir;

    /** The data directory to start a server on (created by the server). */
    protected Path data() {
        return dir.resolve("data");
    }

    /** The client token file (created by the first server that starts with it). */
    protected Path token() {
        return dir.resolve("token");
    }
}
