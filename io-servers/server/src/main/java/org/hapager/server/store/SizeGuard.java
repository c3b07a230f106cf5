package org.hapager.server.store;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicLong;
import org.hapager.wire.Op;
import org.hapager.wire.Status;
import org.hapager.server.log.RateLimitedLog;
import org.slf4j.LoggerFactory;

/**
 * Enforces a store's {@link SizeLimits} before anything is written: a refused write or length change fails with
 * INVALID, naming the operation, the volume, the end it asked for and the limit, and leaves the file untouched.
 *
 * <h2>The volume limit</h2>
 * Stateless: the caller compares the requested end with the limit and calls {@link #refuseWrite} or
 * {@link #refuseLength} if it is past it, so an accepted write builds no text.
 *
 * <h2>The data-directory limit: a running total</h2>
 * {@code dataBytes} is the sum of the lengths of the regular files under the volumes root as this server knows it.
 * It is counted by a walk when the store opens and again when the server takes the reservation over
 * ({@link #recount}; another server may have written meanwhile), and from then on moved by this server's own
 * changes, so no write scans a directory:
 * <ul>
 *   <li>a write or length change runs under its volume's lock (the {@link OpenFiles.OpenFile} monitor): it reads
 *       the length, {@link #reserveGrowth reserves} the growth (refused if the total would pass the limit), changes
 *       the file, then {@link #adjust settles} the difference to the length the file really has. Two writers of
 *       one volume therefore never count the same growth twice, and a failed write gives back what it reserved.</li>
 *   <li>a delete, or a rename that replaces a volume, {@link #adjust gives back} the length of the volume it
 *       removed.</li>
 * </ul>
 * The total drifts only if something besides this server changes the files while it holds the reservation, or if a
 * volume is deleted or renamed while being written (its writers may then hold a retired channel, with a lock of its
 * own); the next takeover (or restart) recounts. Kept only when the limit is set:
 * without it nothing is counted and no lock is taken.
 */
final class SizeGuard {

    private static final RateLimitedLog refusals =
            new RateLimitedLog(LoggerFactory.getLogger(SizeGuard.class), RateLimitedLog.DEFAULT_INTERVAL, System::nanoTime);

    private final SizeLimits limits;
    private final Path volumesRoot;
    /** The sum of all volume lengths; only kept when {@link SizeLimits#limitsData()}. */
    private final AtomicLong dataBytes = new AtomicLong();

    SizeGuard(SizeLimits limits, Path volumesRoot) throws IOException {
        this.limits = limits;
        this.volumesRoot = volumesRoot;
        if (limits.limitsData()) {
            recount();
        }
    }

    SizeLimits limits() {
        return limits;
    }

    /** Whether writes and length changes have to be counted (under their volume's lock). */
    boolean countsData() {
        return limits.limitsData();
    }

    /** The running total of all volume lengths (0 when not counted). */
    long dataBytes() {
        return dataBytes.get();
    }

    /**
     * Refuses a write that would end at {@code end}, past the volume limit (the caller compared).
     *
     * @param what the operation in the protocol's terms ("write volume db/v pages …")
     */
    void refuseWrite(String what, long end) throws StoreException {
        throw refused(what + ": would end at byte " + end + ", past the volume size limit of "
                + limits.maxVolumeBytes() + " bytes (--max-volume-bytes)");
    }

    /** Refuses a length change to {@code length}, past the volume limit (the caller compared). */
    void refuseLength(String what, long length) throws StoreException {
        throw refused(what + ": past the volume size limit of " + limits.maxVolumeBytes() + " bytes (--max-volume-bytes)");
    }

    /**
     * Reserves the growth of a volume from {@code currentLength} to {@code newEnd} (0 if it does not grow) against
     * the data-directory limit and returns it; the caller holds the volume's lock and settles with {@link #adjust}.
     * A refusal names {@code op}.
     */
    long reserveGrowth(Op op, long currentLength, long newEnd) throws StoreException {
        long growth = Math.max(0, newEnd - currentLength);
        if (growth == 0) {
            return 0;
        }
        while (true) {
            long total = dataBytes.get();
            long grown = total + growth;
            if (grown < 0 || grown > limits.maxDataBytes()) {
                throw refused(PageOps.what(op) + ": would grow the volumes to "
                        + (grown < 0 ? "more than " + Long.MAX_VALUE : grown) + " bytes, past the data directory limit of "
                        + limits.maxDataBytes() + " bytes (--max-data-bytes)");
            }
            if (dataBytes.compareAndSet(total, grown)) {
                return growth;
            }
        }
    }

    /** Moves the total by {@code delta} bytes: a settled change, or minus a removed volume's length. */
    void adjust(long delta) {
        if (countsData() && delta != 0) {
            dataBytes.addAndGet(delta);
        }
    }

    /** Counts the lengths of every regular file under the volumes root afresh (no links followed). */
    void recount() throws IOException {
        if (!countsData()) {
            return;
        }
        long[] sum = new long[1];
        Files.walkFileTree(volumesRoot, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    sum[0] += attrs.size();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // removed while walking, or unreadable: not counted
            }
        });
        dataBytes.set(sum[0]);
        LoggerFactory.getLogger(SizeGuard.class).info("the volumes hold {} bytes of the data directory limit of {} bytes",
                sum[0], limits.maxDataBytes());
    }

    private static StoreException refused(String text) {
        refusals.warn("size", "refused: {}", text);
        return new StoreException(Status.INVALID, text);
    }
}
