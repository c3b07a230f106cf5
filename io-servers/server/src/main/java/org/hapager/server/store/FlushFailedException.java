package org.hapager.server.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A force of a volume file failed, in this request or before it: the store acknowledges no write (and no length
 * change or sync) after a failed flush, whatever file it touched, because the page cache may have dropped data
 * that no later force can bring back. The cause is the first failed force's exception.
 */
public final class FlushFailedException extends IOException {

    private final String volume;
    private final Path file;

    FlushFailedException(String volume, Path file, IOException cause) {
        super("force of volume " + volume + " (" + file + ") failed: " + cause
                + "; nothing written to this store is acknowledged after a failed flush", cause);
        this.volume = volume;
        this.file = file;
    }

    /** The volume whose force failed first. */
    public String volume() {
        return volume;
    }

    /** The file whose force failed first. */
    public Path file() {
        return file;
    }
}
