package org.hapager.derby;

import java.io.IOException;
import java.io.OutputStream;

/** An output stream appending to a file's {@link FileContents} from a start position. */
final class ContentsOutputStream extends OutputStream {

    private final FileContents contents;
    private long position;
    private boolean closed;

    ContentsOutputStream(FileContents contents, long position) {
        this.contents = contents;
        this.position = position;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("write to closed stream of " + contents.volume.name());
        }
        contents.write(position, b, off, len);
        position += len;
    }

    /** Makes everything written so far durable (Derby's {@code WritableStorageFactory.sync(stream)}). */
    void sync() throws IOException {
        contents.sync();
    }

    @Override
    public void close() {
        closed = true;
    }
}
