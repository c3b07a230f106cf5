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

    /**
     * A compare-and-write's answer. Written: the page held the expected bytes and now durably holds the new
     * ones ({@code current} is empty, {@code crc} 0). Not written: the page was left as it is, and
     * {@code current} is what it held when compared, {@code crc} its CRC32C. {@code volumeLength} is the
     * volume's length afterwards.
     */
    record Compared(boolean written, long volumeLength, int crc, ByteBuffer current) implements Outcome {
        private static final ByteBuffer NONE = ByteBuffer.allocate(0).asReadOnlyBuffer();

        /** The page was written. */
        public static Compared written(long volumeLength) {
            return new Compared(true, volumeLength, 0, NONE);
        }
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
