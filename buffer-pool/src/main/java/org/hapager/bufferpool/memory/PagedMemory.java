package org.hapager.bufferpool.memory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.BufferPoolConfig;
import org.hapager.bufferpool.Mode;
import org.hapager.bufferpool.PageHandle;
import org.hapager.bufferpool.PoolTimeoutException;
import org.hapager.pager.PageIoException;
import org.hapager.pager.PagerClient;
import org.hapager.pager.Volume;
import org.hapager.pager.VolumeStat;

/**
 * A flat address space of {@link #size()} bytes backed by a swap volume on the page servers and cached in a
 * {@link BufferPool}: virtual memory for the JVM, usable as an off-heap array much larger than the pool (and
 * than RAM). Byte {@code b} lives in page {@code b / pageSize} of the volume at {@code b % pageSize}, where
 * the page size is the pool's. Touching a page that is not resident faults it in (the pool reads it);
 * evicting a dirty page writes it back; {@link #sync()} makes every earlier write durable.
 *
 * <pre>{@code
 * BufferPool pool = new BufferPool(pager, new BufferPoolConfig(64L << 20, 4096, Duration.ofSeconds(30), registry));
 * try (PagedMemory mem = PagedMemory.open(pool, pager, "swap/job-17", 8L << 30)) {   // 8 GiB over a 64 MiB pool
 *     mem.putLong(5_000_000_000L, 42);
 *     long v = mem.getLong(5_000_000_000L);
 *     mem.sync();                                                                   // durable on the page servers
 * }
 * }</pre>
 *
 * <h2>Contents</h2>
 * <ul>
 *   <li>A byte never written reads as zero (the servers read holes and bytes past a volume's end as zeros).</li>
 *   <li>{@link #getLong}/{@link #putLong} are big-endian and take an offset that is a multiple of 8, so a long
 *       never straddles two pages. Bulk {@link #get(long, byte[], int, int) get} and
 *       {@link #put(long, byte[], int, int) put} take any offset and length and cross page boundaries.</li>
 *   <li>Every offset is checked: out of {@code [0, size)} (or a range running past {@code size}) is an
 *       {@link IndexOutOfBoundsException}, a misaligned long an {@link IllegalArgumentException}; both name the
 *       operation, the offset, the length and the size. Nothing is read or written then.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * Every method may be called from any number of threads at once. Each access fixes each page it touches only
 * for the copy, one page at a time: {@link Mode#SHARED} to read, {@link Mode#EXCLUSIVE} plus
 * {@link PageHandle#markDirty()} to write. No pin is held between calls, so an idle caller never blocks
 * eviction, write-back or a {@link #sync()}, and a thread never holds more than one frame of the pool.
 * <ul>
 *   <li><b>Single values are atomic.</b> A {@code getLong}, {@code putLong}, {@code getByte} or
 *       {@code putByte} happens entirely under one pin of one page: a reader sees a long whole, before or after
 *       a concurrent write of it, and concurrent writes to different bytes of one page never lose each other.</li>
 *   <li><b>Bulk transfers are atomic per page only.</b> A {@code get} or {@code put} that spans several pages
 *       copies them one after another under separate pins; a concurrent reader of an overlapping range may see
 *       some pages of a {@code put} before the others.</li>
 *   <li><b>Order.</b> The pool's pins guard a page's bytes: an unfix happens-before the next conflicting fix
 *       of that page. So a write that returned happens-before a later access of the same bytes, in any
 *       thread, and that access sees it.</li>
 *   <li><b>Durability.</b> {@link #sync()} returns when every write that returned before it was called is
 *       durable on the page servers; writes running concurrently with it may or may not be included. Without
 *       a sync, a write reaches the servers when its page is evicted.</li>
 *   <li>{@link #close()} must come after every other call has returned; an access racing it may fail with
 *       {@link IllegalStateException} or be missed by its final sync.</li>
 * </ul>
 * Each access costs one fix and one unfix per page it touches; move runs of bytes with the bulk methods
 * rather than byte by byte.
 *
 * <h2>Failures and failover</h2>
 * The pool's page I/O goes through the {@link PagerClient}, which reissues requests cut off by the death or
 * freezing of its page server to the other server: an access or sync during a failover waits and then
 * succeeds. While it waits, fixes that need a frame wait for write-backs that wait for the failover: give the
 * pool a {@code fixTimeout} longer than a failover (lease plus fencing), or accesses fail with
 * {@link org.hapager.bufferpool.FixTimeoutException}.
 *
 * <p>Nothing here waits without a bound: an access waits at most the pool's {@code fixTimeout} (for a frame,
 * a pin or the page's I/O), a {@link #sync()} (and so {@link #close()}) at most its {@code ioTimeout} without
 * one of its pages becoming durable, and each pager request of {@link #open} at most {@code ioTimeout}. Each
 * expiry is a {@link org.hapager.bufferpool.PoolTimeoutException} (as the cause) naming the page and what was
 * waited for; the I/O waited for goes on, and repeating the call later is safe. An interrupt ends a wait with
 * kind REJECTED and leaves the thread's interrupt flag set.
 *
 * <p>A failure of page I/O (a read that faults a page in, a
 * write-back seen by sync, the pager's sync, a fix or sync timeout, a closed pool) is the pool's checked
 * {@link PageIoException}; this class throws it wrapped, as the cause of an unchecked
 * {@link PagedMemoryException} whose message names the operation, offset, page and volume. A bulk transfer
 * that fails has transferred the pages before the failing one (a {@link ByteBuffer}'s position has moved
 * past them) and none after.
 *
 * <h2>Volume and pool</h2>
 * {@link #open} creates the swap volume on the servers if it is missing and extends it (sparsely, as zeros)
 * to the whole pages covering {@code size}; an existing volume keeps its contents, so closing and opening
 * again gives the same bytes. Use a fresh volume name for fresh zeros: the pool may still cache pages of a
 * volume, so a volume must not be truncated or rewritten behind the pool while its pages are cached. The
 * memory neither owns nor closes the pool or the pager; several memories (on different volumes) and other
 * users may share one pool.
 */
public final class PagedMemory implements AutoCloseable {

    private final BufferPool pool;
    private final Volume volume;
    private final long size;
    private final int pageSize;
    private final int pageShift;
    private final long pageMask;
    private volatile boolean closed;

    /**
     * A memory of {@code sizeBytes} over the swap volume {@code volume}: creates the volume on the page
     * servers if it is missing, and extends it with zeros to {@link #pages()} × page size if it is shorter
     * (a longer volume is left as it is). The page size is the pool's.
     *
     * @throws IllegalArgumentException if the name is not a valid volume name or the size is out of range
     * @throws PagedMemoryException     if creating, examining or extending the volume failed, or one of those
     *                                  requests did not complete within the pool's
     *                                  {@link BufferPoolConfig#ioTimeout()} (the cause is then a
     *                                  {@link PoolTimeoutException}, kind UNAVAILABLE), or the caller was
     *                                  interrupted while waiting (REJECTED; the interrupt flag is set again)
     */
    public static PagedMemory open(BufferPool pool, PagerClient pager, String volume, long sizeBytes) {
        Objects.requireNonNull(pager, "pager");
        PagedMemory memory = new PagedMemory(pool, volume, sizeBytes);
        long length = memory.pages() * memory.pageSize;
        Duration bound = pool.config().ioTimeout();
        String step = "create";
        try {
            await(pager.create(volume, false), volume, bound);
            step = "stat";
            VolumeStat stat = await(pager.stat(volume), volume, bound);
            if (stat.length() < length) {
                step = "extend to " + length + " bytes";
                await(pager.setLength(volume, length), volume, bound);
            }
        } catch (PageIoException e) {
            throw failure("open of " + memory + ": " + step + " of the swap volume", e);
        }
        return memory;
    }

    /**
     * Waits for one pager request of {@link #open}, at most {@code bound} (the pool's
     * {@link BufferPoolConfig#ioTimeout()}). The pager completes or fails a request within its own bounds
     * (submit timeout, failover deadline); this one stands behind them, so that an open never hangs whatever
     * the pager does. An interrupt ends the wait (REJECTED, the interrupt flag set again).
     */
    private static <T> T await(CompletableFuture<T> request, String volume, Duration bound) throws PageIoException {
        try {
            return request.get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause() != null ? e.getCause() : e);
        } catch (TimeoutException e) {
            throw new PoolTimeoutException("open", volume, -1, PoolTimeoutException.WaitedFor.PAGER_REQUEST, bound,
                    "timed out after " + bound.toMillis() + " ms (the pool's ioTimeout): the pager neither completed "
                    + "nor failed the request, which may still take effect");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PageIoException(PageIoException.Kind.REJECTED, "interrupted while waiting for the pager (the "
                    + "request may still take effect)", e);
        }
    }

    /**
     * A memory of {@code sizeBytes} over {@code volume} as it is: the volume must exist wherever the pool's
     * page I/O reads it ({@link #open} creates it on the page servers), or faults fail with kind
     * {@link PageIoException.Kind#NOT_FOUND}. The page size is the pool's.
     *
     * @throws IllegalArgumentException if the name is not a valid volume name, or {@code sizeBytes} is
     *                                  negative or beyond the largest volume offset
     */
    public PagedMemory(BufferPool pool, String volume, long sizeBytes) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.pageSize = pool.config().pageSize();
        this.volume = Volume.of(Objects.requireNonNull(volume, "volume"), pageSize);
        long max = (Long.MAX_VALUE / pageSize) * pageSize;
        if (sizeBytes < 0 || sizeBytes > max) {
            throw new IllegalArgumentException("sizeBytes : " + sizeBytes + " (expected: 0 to " + max
                    + ", the largest volume offset in whole pages of " + pageSize + " bytes)");
        }
        this.size = sizeBytes;
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        this.pageMask = pageSize - 1;
    }

    /** Bytes addressable: offsets {@code 0} to {@code size() - 1}. */
    public long size() {
        return size;
    }

    /** The swap volume, with the pool's page size. */
    public Volume volume() {
        return volume;
    }

    /** Bytes per page: the pool's page size. */
    public int pageSize() {
        return pageSize;
    }

    /** Pages covering {@link #size()}: the last may be partly beyond it. */
    public long pages() {
        return (size + pageSize - 1) >>> pageShift;
    }

    // ------------------------------------------------------------------ single values

    /** The big-endian long at {@code offset}, a multiple of 8. */
    public long getLong(long offset) {
        checkLong("getLong", offset);
        try (PageHandle h = fix("getLong", offset, Mode.SHARED)) {
            ByteBuffer b = h.buffer();
            long v = b.getLong(inPage(offset));
            return b.order() == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v);
        }
    }

    /** Stores {@code value} big-endian at {@code offset}, a multiple of 8. */
    public void putLong(long offset, long value) {
        checkLong("putLong", offset);
        try (PageHandle h = fix("putLong", offset, Mode.EXCLUSIVE)) {
            h.markDirty();
            ByteBuffer b = h.buffer();
            b.putLong(inPage(offset), b.order() == ByteOrder.BIG_ENDIAN ? value : Long.reverseBytes(value));
        }
    }

    /** The byte at {@code offset}. */
    public byte getByte(long offset) {
        checkRange("getByte", offset, 1);
        try (PageHandle h = fix("getByte", offset, Mode.SHARED)) {
            return h.buffer().get(inPage(offset));
        }
    }

    /** Stores {@code value} at {@code offset}. */
    public void putByte(long offset, byte value) {
        checkRange("putByte", offset, 1);
        try (PageHandle h = fix("putByte", offset, Mode.EXCLUSIVE)) {
            h.markDirty();
            h.buffer().put(inPage(offset), value);
        }
    }

    // ------------------------------------------------------------------ bulk

    /** Copies {@code dst.length} bytes from {@code offset} into {@code dst}. */
    public void get(long offset, byte[] dst) {
        get(offset, dst, 0, dst.length);
    }

    /** Copies {@code length} bytes from {@code offset} into {@code dst[dstIndex ..]}, page by page. */
    public void get(long offset, byte[] dst, int dstIndex, int length) {
        Objects.checkFromIndexSize(dstIndex, length, dst.length);
        transfer("get", offset, length, Mode.SHARED, (page, at, done, n) -> page.get(at, dst, dstIndex + done, n));
    }

    /**
     * Copies {@code dst.remaining()} bytes from {@code offset} into {@code dst} from its position, page by
     * page, advancing its position past each page copied.
     */
    public void get(long offset, ByteBuffer dst) {
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        transfer("get", offset, dst.remaining(), Mode.SHARED, (page, at, done, n) -> {
            int p = dst.position();
            dst.put(p, page, at, n);
            dst.position(p + n);
        });
    }

    /** Copies all of {@code src} to {@code offset}. */
    public void put(long offset, byte[] src) {
        put(offset, src, 0, src.length);
    }

    /** Copies {@code src[srcIndex .. srcIndex + length)} to {@code offset}, page by page. */
    public void put(long offset, byte[] src, int srcIndex, int length) {
        Objects.checkFromIndexSize(srcIndex, length, src.length);
        transfer("put", offset, length, Mode.EXCLUSIVE, (page, at, done, n) -> page.put(at, src, srcIndex + done, n));
    }

    /**
     * Copies {@code src.remaining()} bytes of {@code src} from its position to {@code offset}, page by page,
     * advancing its position past each page copied.
     */
    public void put(long offset, ByteBuffer src) {
        transfer("put", offset, src.remaining(), Mode.EXCLUSIVE, (page, at, done, n) -> {
            int p = src.position();
            page.put(at, src, p, n);
            src.position(p + n);
        });
    }

    // ------------------------------------------------------------------ durability and lifecycle

    /**
     * Returns when every write to this memory that returned before the call is durable on the page servers
     * (through {@link BufferPool#sync}: durable write-back of the volume's dirty pages, then the volume's sync if
     * evictions wrote pages back buffered).
     *
     * @throws PagedMemoryException if a write-back failed, or none of the pages waited for became durable
     *                              within the pool's {@link BufferPoolConfig#ioTimeout()} (the cause is a
     *                              {@link PoolTimeoutException}), or the caller was interrupted
     */
    public void sync() {
        checkOpen();
        try {
            pool.sync(volume.name());
        } catch (PageIoException e) {
            throw failure("sync of " + this, e);
        }
    }

    /**
     * Syncs, then closes: later calls throw {@link IllegalStateException}. The pool, the pager and the swap
     * volume stay (the volume's pages may stay cached in the pool, clean). If the sync fails the memory
     * stays open and the failure is thrown. A second close does nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        sync();
        closed = true;
    }

    @Override
    public String toString() {
        return "PagedMemory(" + volume.name() + ", " + size + " bytes, " + pages() + " pages of " + pageSize + ")";
    }

    // ------------------------------------------------------------------ internals

    /** Copies part of one pinned page: {@code n} bytes at {@code at} in the page, {@code done} bytes into the transfer. */
    @FunctionalInterface
    private interface PieceCopy {
        void copy(ByteBuffer page, int at, int done, int n);
    }

    /** Moves {@code length} bytes at {@code offset}, one pinned page at a time. */
    private void transfer(String op, long offset, int length, Mode mode, PieceCopy copy) {
        checkRange(op, offset, length);
        int done = 0;
        while (done < length) {
            long at = offset + done;
            int inPage = inPage(at);
            int n = Math.min(length - done, pageSize - inPage);
            try (PageHandle h = fix(op, at, mode)) {
                if (mode == Mode.EXCLUSIVE) {
                    h.markDirty(); // first: if the copy failed halfway, the page would still be written back as it is
                }
                copy.copy(h.buffer(), inPage, done, n);
            }
            done += n;
        }
    }

    private PageHandle fix(String op, long offset, Mode mode) {
        long page = offset >>> pageShift;
        try {
            return pool.fix(volume, page, mode);
        } catch (PageIoException e) {
            throw failure(op + " at offset " + offset + " (page " + page + " of " + volume + ")", e);
        }
    }

    private int inPage(long offset) {
        return (int) (offset & pageMask);
    }

    private void checkLong(String op, long offset) {
        if ((offset & (Long.BYTES - 1)) != 0) {
            throw new IllegalArgumentException(op + " at offset " + offset + " of " + volume.name()
                    + ": not 8-byte aligned (expected: a multiple of 8; size " + size + " bytes)");
        }
        checkRange(op, offset, Long.BYTES);
    }

    private void checkRange(String op, long offset, long length) {
        checkOpen();
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IndexOutOfBoundsException(op + " of " + length + " byte" + (length == 1 ? "" : "s") + " at offset "
                    + offset + " of " + volume.name() + ": out of bounds (expected: 0 <= offset and offset + "
                    + length + " <= size " + size + ")");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /** The message names what failed, the cause's message and, if that does not, the cause's own cause. */
    private static PagedMemoryException failure(String what, PageIoException cause) {
        String message = what + " failed: " + cause.getMessage();
        Throwable root = cause.getCause();
        if (root != null && root.getMessage() != null && !message.contains(root.getMessage())) {
            message += ": " + root.getMessage();
        }
        return new PagedMemoryException(message, cause);
    }

    private static PageIoException unwrap(Throwable cause) {
        return cause instanceof PageIoException p ? p
                : new PageIoException(PageIoException.Kind.STORAGE, String.valueOf(cause), cause);
    }
}
