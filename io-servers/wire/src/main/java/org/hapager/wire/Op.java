package org.hapager.wire;

import java.nio.ByteBuffer;

/**
 * The parameters of one request: everything a server needs to execute it and everything the client needs
 * to reissue it (the callback record keeps the {@code Op}).
 *
 * <p>Page data in a {@link Write} or a {@link CompareAndWrite} is a view of the caller's buffer (position to limit); it is read when the
 * frame is encoded, so the caller must not modify it until the request's future completes.
 */
public sealed interface Op {

    OpCode code();

    /** The volume this operation is about (for rename: the source). */
    String volume();

    /** Reads {@code pageCount} pages of {@code pageSize} bytes from {@code firstPage}. */
    record Read(String volume, int pageSize, long firstPage, int pageCount) implements Op {
        public OpCode code() {
            return OpCode.READ;
        }
    }

    /**
     * Writes {@code pageCount} pages from {@code firstPage}; {@code crcs[i]} is the writer's CRC32C of page i.
     *
     * <p>Two classes, as storage protocols have them (a write with FUA, a plain write and a flush):
     * <ul>
     *   <li><b>durable</b> ({@link OpCode#WRITE}): completes once the pages are on the storage
     *       ({@code fdatasync} of the volume, group-committed);</li>
     *   <li><b>buffered</b> ({@link OpCode#WRITE_BUFFERED}): completes once the server has written the pages
     *       into the volume file (the kernel's page cache); they become durable with the next durable write,
     *       length change or {@link Sync} of the volume that the server executes after it, whichever server
     *       that is, since all of them share the one file.</li>
     * </ul>
     * A buffered write lost with its server's host before a barrier is the client's to repeat: it keeps a copy
     * until a barrier completes (see the pager's {@code UnsyncedWrites}).
     */
    record Write(String volume, int pageSize, long firstPage, int pageCount, int[] crcs, ByteBuffer data,
                 boolean durable) implements Op {

        /** A durable write. */
        public Write(String volume, int pageSize, long firstPage, int pageCount, int[] crcs, ByteBuffer data) {
            this(volume, pageSize, firstPage, pageCount, crcs, data, true);
        }

        public OpCode code() {
            return durable ? OpCode.WRITE : OpCode.WRITE_BUFFERED;
        }
    }

    /**
     * Compares page {@code page} with {@code expected} and, only if they are equal, writes {@code data} there,
     * atomically with respect to every other write of the volume: what SCSI's COMPARE AND WRITE (VMware's ATS)
     * does for one block. Durable when it completes as written. {@code expectedCrc} and {@code dataCrc} are the
     * writer's CRC32C of the two pages. Pages past the end of the volume compare as zeros.
     */
    record CompareAndWrite(String volume, int pageSize, long page, int expectedCrc, ByteBuffer expected, int dataCrc,
                           ByteBuffer data) implements Op {
        public OpCode code() {
            return OpCode.COMPARE_AND_WRITE;
        }
    }

    /** Makes everything done to the volume durable, including its creation, rename and length. */
    record Sync(String volume) implements Op {
        public OpCode code() {
            return OpCode.SYNC;
        }
    }

    /** Creates an empty volume (and its parent directories); {@code exclusive} fails if it exists. */
    record Create(String volume, boolean exclusive) implements Op {
        public OpCode code() {
            return OpCode.CREATE;
        }
    }

    /** Deletes a volume or an empty directory. */
    record Delete(String volume) implements Op {
        public OpCode code() {
            return OpCode.DELETE;
        }
    }

    /** Renames a volume or directory; {@code replace} allows replacing an existing volume. */
    record Rename(String volume, String target, boolean replace) implements Op {
        public OpCode code() {
            return OpCode.RENAME;
        }
    }

    /** Lists a directory; the empty name is the root. */
    record List(String volume) implements Op {
        public OpCode code() {
            return OpCode.LIST;
        }
    }

    /** Whether a name exists, is a directory, and its length. */
    record Stat(String volume) implements Op {
        public OpCode code() {
            return OpCode.STAT;
        }
    }

    /** Truncates or extends (with zeros) a volume to {@code length} bytes. */
    record SetLength(String volume, long length) implements Op {
        public OpCode code() {
            return OpCode.SET_LENGTH;
        }
    }

    /** Creates a directory and its parents. */
    record Mkdirs(String volume) implements Op {
        public OpCode code() {
            return OpCode.MKDIRS;
        }
    }
}
