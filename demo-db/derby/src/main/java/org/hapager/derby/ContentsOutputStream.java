package org.hapager.derby;

import java.io.IOException;
import java.io.OutputStream;

/**
 * An output stream over a file's {@link FileContents}, as FileOutputStream: from the start of the file, or in
 * append mode, where every write goes to the end of the file as it is then (other handles may have grown or
 * truncated it since the stream opened).
 */
final class ContentsOutputStream extends OutputStream {

    private final FileContents contents;
    private final boolean append;
    private long position;
    private boolean closed;

    ContentsOutputStream(FileContents contents, boolean append) {
        this.contents = contents;
        this.append = append;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return; // as FileOutputStream, even closed
        }
        if (closed) {
            throw new IOException("write to closed stream of " + contents.volume.name());
        }
        if (append) {
            contents.append(b, off, len);
        } else {
            contents.write(position, b, off, len);
            position += len;
        }
    }

    /** Makes everything written so far durable (Derby's {@code WritableStorageFactory.sync(stream)}). */
    void sync() throws IOException {
        if (closed) {
            throw new IOException("sync of closed stream of " + contents.volume.name()); // FileOutputStream: SyncFailedException
        }
        contents.sync();
    }

    @Override
    public void close() {
        closed = true;
    }
}
