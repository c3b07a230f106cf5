package org.hapager.server.reservation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import org.hapager.server.store.PrivateFiles;

/**
 * The reservation's lock file, {@code DIR/locks/reservation.lock}: an exclusive OS lock on the whole file
 * ({@link FileChannel#tryLock()}, an fcntl record lock on Linux) and the holder's line inside it.
 *
 * <p>One channel is opened for the life of the server and every read and write of the file goes through it.
 * This matters: POSIX record locks belong to the process, and closing <em>any</em> descriptor of the file
 * releases them all, so opening the file a second time (say to read the holder line) and closing it would
 * silently drop the reservation.
 *
 * <p>Thread-safety: only the reservation thread (see {@link Reservation}) takes, writes and releases; the
 * {@link HolderWatch}'s thread also calls {@link #readLine}, a positional read of the one channel.
 */
final class LockFile implements AutoCloseable {

    /** The holder line is short; anything longer is not a holder line. */
    private static final int MAX_LINE_BYTES = 4096;

    private final Path path;
    private final FileChannel channel;
    private FileLock lock;

    private LockFile(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /**
     * Opens {@code dataDir/locks/reservation.lock}, creating it (0600, and {@code locks/} 0700, whatever the umask:
     * the holder line is nobody else's business) if it is missing; takes no lock.
     */
    static LockFile open(Path dataDir) throws IOException {
        Path locks = dataDir.resolve("locks");
        PrivateFiles.createDirectories(locks);
        Path path = locks.resolve("reservation.lock");
        FileChannel channel;
        try {
            channel = FileChannel.open(path, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE), PrivateFiles.FILE);
            try {
                PrivateFiles.restrict(path, PrivateFiles.FILE_PERMISSIONS);
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        } catch (FileAlreadyExistsException e) {
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        return new LockFile(path, channel);
    }

    Path path() {
        return path;
    }

    boolean held() {
        return lock != null;
    }

    /** Takes the lock if no other process holds it; true if this process now holds it. */
    boolean tryLock() throws IOException {
        if (lock == null) {
            lock = channel.tryLock();
        }
        return lock != null;
    }

    /** Replaces the file's content by the holder line: truncate, write, force. Only while holding. */
    void writeHolder(Holder holder) throws IOException {
        requireHeld("write the holder line");
        ByteBuffer line = ByteBuffer.wrap((holder.line() + "\n").getBytes(StandardCharsets.UTF_8));
        channel.truncate(0);
        while (line.hasRemaining()) {
            channel.write(line, line.position());
        }
        channel.force(true);
    }

    /** The file's first line (empty if the file is empty), read through the one channel. */
    String readLine() throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(MAX_LINE_BYTES);
        while (buf.hasRemaining() && channel.read(buf, buf.position()) > 0) {
            // read until the end of the file or the buffer is full
        }
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    /** Empties the holder line, forces it, and releases the lock. Only while holding. */
    void clearAndRelease() throws IOException {
        requireHeld("release");
        try {
            channel.truncate(0);
            channel.force(true);
        } finally {
            FileLock held = lock;
            lock = null;
            held.release();
        }
    }

    private void requireHeld(String what) throws IOException {
        if (lock == null) {
            throw new IOException("cannot " + what + " on " + path + ": this process does not hold its lock");
        }
    }

    /** Closes the channel, which releases the lock if held. */
    @Override
    public void close() throws IOException {
        lock = null;
        channel.close();
    }
}
