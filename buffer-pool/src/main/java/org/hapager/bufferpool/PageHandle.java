package org.hapager.bufferpool;

import java.nio.ByteBuffer;

/**
 * A pinned page. While open, its frame is neither evicted nor reused, and its bytes are the page's.
 * {@link #close()} unfixes it; use try-with-resources. Not thread-safe: one thread uses a handle.
 */
public final class PageHandle implements AutoCloseable {

    private final BufferPool pool;
    final Frame frame;
    private final Mode mode;
    private final ByteBuffer view;
    private boolean closed;

    PageHandle(BufferPool pool, Frame frame, Mode mode) {
        this.pool = pool;
        this.frame = frame;
        this.mode = mode;
        ByteBuffer b = frame.bytes.duplicate();
        this.view = mode == Mode.SHARED ? b.asReadOnlyBuffer() : b;
    }

    /** The page's bytes, position 0, limit the page size; read-only for a {@link Mode#SHARED} fix. */
    public ByteBuffer buffer() {
        checkOpen();
        return view;
    }

    public long page() {
        return frame.page();
    }

    public Mode mode() {
        return mode;
    }

    /** Records that the page changed: it will be written back before eviction and by {@link BufferPool#sync}. */
    public void markDirty() {
        checkOpen();
        if (mode != Mode.EXCLUSIVE) {
            throw new IllegalStateException("markDirty of " + frame.pageId + " fixed " + mode + " (expected: EXCLUSIVE)");
        }
        pool.markDirty(frame);
    }

    /** Unfixes the page; a second call does nothing. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            pool.unfix(frame, mode);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("page handle of " + frame.pageId + " is closed");
        }
    }
}
