package org.hapager.derby;

import java.io.IOException;
import java.io.InputStream;

/** An input stream reading a file's {@link FileContents} from the start. */
final class ContentsInputStream extends InputStream {

    private final FileContents contents;
    private long position;
    private boolean closed;

    ContentsInputStream(FileContents contents) {
        this.contents = contents;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0; // as FileInputStream, even closed
        }
        checkOpen();
        int n = contents.read(position, b, off, len);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        checkOpen();
        long skipped = Math.max(0, Math.min(n, contents.length() - position));
        position += skipped;
        return skipped;
    }

    @Override
    public int available() throws IOException {
        checkOpen();
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, contents.length() - position));
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("stream of " + contents.volume.name() + " is closed");
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
