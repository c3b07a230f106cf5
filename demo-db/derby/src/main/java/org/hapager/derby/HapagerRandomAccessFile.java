package org.hapager.derby;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Objects;
import org.apache.derby.io.StorageRandomAccessFile;

/**
 * {@link java.io.RandomAccessFile}'s behaviour over a file's {@link FileContents}: a file pointer, byte
 * granular reads and writes anywhere, {@code EOFException} from {@code readFully} at the end, seeking past
 * the end (a later write leaves a zero-filled hole). Derby uses one handle from one thread at a time.
 */
final class HapagerRandomAccessFile implements StorageRandomAccessFile {

    private final FileContents contents;
    private final String mode;
    private final boolean writable;
    /** "rws"/"rwd": every write is durable when it returns (Derby's log, see HapagerStorageFactory#supportsWriteSync). */
    private final boolean writeThrough;
    private final byte[] scratch = new byte[8];
    private long position;
    private boolean closed;

    HapagerRandomAccessFile(FileContents contents, String mode, boolean writable) {
        this.contents = contents;
        this.mode = mode;
        this.writable = writable;
        this.writeThrough = mode.equals("rws") || mode.equals("rwd");
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException(contents.volume.name() + " is closed");
        }
    }

    private void checkWritable() throws IOException {
        checkOpen();
        if (!writable) {
            throw new IOException(contents.volume.name() + " is open read-only (mode " + mode + ")");
        }
    }

    // ------------------------------------------------------------------ file pointer, length, sync

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public long getFilePointer() throws IOException {
        checkOpen();
        return position;
    }

    @Override
    public long length() throws IOException {
        checkOpen();
        return contents.length();
    }

    @Override
    public void seek(long newFilePointer) throws IOException {
        checkOpen();
        if (newFilePointer < 0) {
            throw new IOException("seek in " + contents.volume.name() + " to " + newFilePointer + ": negative offset");
        }
        position = newFilePointer;
    }

    @Override
    public void setLength(long newLength) throws IOException {
        checkWritable();
        contents.setLength(newLength);
        if (position > newLength) {
            position = newLength;
        }
    }

    @Override
    public void sync() throws IOException {
        checkOpen();
        contents.sync();
    }

    @Override
    public StorageRandomAccessFile clone() {
        return new HapagerRandomAccessFile(contents, mode, writable);
    }

    // ------------------------------------------------------------------ reading

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0; // as RandomAccessFile, even at the end or closed
        }
        checkOpen();
        int n = contents.read(position, b, off, len);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    /** One byte, or -1 at the end (RandomAccessFile.read()); DataInput does not declare it, Derby's stream users do. */
    public int read() throws IOException {
        return read(scratch, 0, 1) < 0 ? -1 : scratch[0] & 0xff;
    }

    @Override
    public void readFully(byte[] b) throws IOException {
        readFully(b, 0, b.length);
    }

    @Override
    public void readFully(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        int done = 0;
        while (done < len) {
            int n = read(b, off + done, len - done);
            if (n < 0) {
                throw new EOFException("end of " + contents.volume.name() + " at " + position + " (wanted "
                        + (len - done) + " more bytes)");
            }
            done += n;
        }
    }

    @Override
    public int skipBytes(int n) throws IOException {
        if (n <= 0) {
            return 0; // as RandomAccessFile, even closed
        }
        checkOpen();
        long skipped = Math.max(0, Math.min(n, contents.length() - position));
        position += skipped;
        return (int) skipped;
    }

    private byte[] readScratch(int n) throws IOException {
        readFully(scratch, 0, n);
        return scratch;
    }

    @Override
    public boolean readBoolean() throws IOException {
        return readScratch(1)[0] != 0;
    }

    @Override
    public byte readByte() throws IOException {
        return readScratch(1)[0];
    }

    @Override
    public int readUnsignedByte() throws IOException {
        return readScratch(1)[0] & 0xff;
    }

    @Override
    public short readShort() throws IOException {
        byte[] s = readScratch(2);
        return (short) (((s[0] & 0xff) << 8) | (s[1] & 0xff));
    }

    @Override
    public int readUnsignedShort() throws IOException {
        return readShort() & 0xffff;
    }

    @Override
    public char readChar() throws IOException {
        return (char) readShort();
    }

    @Override
    public int readInt() throws IOException {
        byte[] s = readScratch(4);
        return ((s[0] & 0xff) << 24) | ((s[1] & 0xff) << 16) | ((s[2] & 0xff) << 8) | (s[3] & 0xff);
    }

    @Override
    public long readLong() throws IOException {
        return ((long) readInt() << 32) | (readInt() & 0xffffffffL);
    }

    @Override
    public float readFloat() throws IOException {
        return Float.intBitsToFloat(readInt());
    }

    @Override
    public double readDouble() throws IOException {
        return Double.longBitsToDouble(readLong());
    }

    /** RandomAccessFile.readLine: bytes as Latin-1 up to \n, \r or \r\n; null at the end. */
    @Override
    public String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        int c = read();
        if (c < 0) {
            return null;
        }
        while (c >= 0 && c != '\n') {
            if (c == '\r') {
                long mark = position;
                if (read() != '\n') {
                    position = mark;
                }
                break;
            }
            line.append((char) c);
            c = read();
        }
        return line.toString();
    }

    @Override
    public String readUTF() throws IOException {
        return DataInputStream.readUTF(this);
    }

    // ------------------------------------------------------------------ writing

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return; // as RandomAccessFile, even read-only or closed
        }
        checkWritable();
        contents.write(position, b, off, len);
        position += len;
        if (writeThrough) {
            contents.sync();
        }
    }

    @Override
    public void write(byte[] b) throws IOException {
        write(b, 0, b.length);
    }

    @Override
    public void write(int b) throws IOException {
        scratch[0] = (byte) b;
        write(scratch, 0, 1);
    }

    @Override
    public void writeBoolean(boolean v) throws IOException {
        write(v ? 1 : 0);
    }

    @Override
    public void writeByte(int v) throws IOException {
        write(v);
    }

    @Override
    public void writeShort(int v) throws IOException {
        scratch[0] = (byte) (v >>> 8);
        scratch[1] = (byte) v;
        write(scratch, 0, 2);
    }

    @Override
    public void writeChar(int v) throws IOException {
        writeShort(v);
    }

    @Override
    public void writeInt(int v) throws IOException {
        scratch[0] = (byte) (v >>> 24);
        scratch[1] = (byte) (v >>> 16);
        scratch[2] = (byte) (v >>> 8);
        scratch[3] = (byte) v;
        write(scratch, 0, 4);
    }

    @Override
    public void writeLong(long v) throws IOException {
        for (int i = 0; i < 8; i++) {
            scratch[i] = (byte) (v >>> (56 - 8 * i));
        }
        write(scratch, 0, 8);
    }

    @Override
    public void writeFloat(float v) throws IOException {
        writeInt(Float.floatToIntBits(v));
    }

    @Override
    public void writeDouble(double v) throws IOException {
        writeLong(Double.doubleToLongBits(v));
    }

    @Override
    public void writeBytes(String s) throws IOException {
        byte[] b = new byte[s.length()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) s.charAt(i);
        }
        write(b);
    }

    @Override
    public void writeChars(String s) throws IOException {
        for (int i = 0; i < s.length(); i++) {
            writeChar(s.charAt(i));
        }
    }

    @Override
    public void writeUTF(String s) throws IOException {
        ByteArrayOutputStream encoded = new ByteArrayOutputStream(s.length() + 2);
        new DataOutputStream(encoded).writeUTF(s); // UTFDataFormatException past 65535 bytes, as RandomAccessFile
        write(encoded.toByteArray());
    }

    @Override
    public String toString() {
        return "HapagerRandomAccessFile[" + contents.volume.name() + ", " + mode + ", at " + position + "]";
    }
}
