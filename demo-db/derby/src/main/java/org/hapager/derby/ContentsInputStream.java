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
        if (closed) {
            throw new IOException("read from closed stream of " + contents.volume.name());
        }
        int n = contents.read(position, b, off, len);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = Math.max(0, Math.min(n, contents.length() - position));
        position += skipped;
        return skipped;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, contents.length() - position));
    }

    @Override
    public void close() {
        closed = true;
    }
}
