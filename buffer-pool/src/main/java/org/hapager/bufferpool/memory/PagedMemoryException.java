package org.hapager.bufferpool.memory;

import java.io.UncheckedIOException;
import org.hapager.pager.PageIoException;

/**
 * A {@link PagedMemory} access, sync or open failed because page I/O failed: the read that would fault a
 * page in, a write-back, the pager's sync, or a wait that ran out of its bound
 * ({@link org.hapager.bufferpool.PoolTimeoutException}: a fix's {@link org.hapager.bufferpool.FixTimeoutException},
 * kind {@link PageIoException.Kind#REJECTED}; a sync or an open waiting for I/O, kind
 * {@link PageIoException.Kind#UNAVAILABLE}).
 * Unchecked, so that {@code getLong} and friends read like array accesses; the cause is always the pool's or
 * the pager's (checked) {@link PageIoException}, and the message names the operation, the offset, the page
 * and the volume before the cause's own message.
 */
public final class PagedMemoryException extends UncheckedIOException {

    private static final long serialVersionUID = 1L;

    public PagedMemoryException(String message, PageIoException cause) {
        super(message, cause);
    }

    /** The pool's or the pager's failure. */
    @Override
    public PageIoException getCause() {
        return (PageIoException) super.getCause();
    }

    /** The cause's kind: callers branch on it as they would on the {@link PageIoException}. */
    public PageIoException.Kind kind() {
        return getCause().kind();
    }
}
