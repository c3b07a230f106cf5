package org.hapager.wire;

import java.nio.ByteBuffer;

/** The result carried by a successful completion; its shape depends on the operation. */
public sealed interface Outcome {

    /** No result beyond success (sync, create, delete, rename, set length, mkdirs). */
    record Done() implements Outcome {
        public static final Done INSTANCE = new Done();
    }

    /**
     * Pages read: pages beyond the end of the volume read as zeros; {@code volumeLength} says where the
     * volume ends. {@code crcs[i]} is the CRC32C of page i, checked by the client.
     */
    record PagesRead(long volumeLength, int[] crcs, ByteBuffer data) implements Outcome {
    }

    /** Pages written and durable; {@code volumeLength} is the volume's length afterwards. */
    record PagesWritten(long volumeLength) implements Outcome {
    }

    /** What a name is. A missing name is {@code exists == false}, not an error. */
    record Stat(boolean exists, boolean directory, long length) implements Outcome {
    }

    /** A directory's entries, sorted by name. */
    record Listing(java.util.List<Entry> entries) implements Outcome {
    }

    /** One directory entry: its name within the directory (no slashes). */
    record Entry(String name, boolean directory, long length) {
    }
}
