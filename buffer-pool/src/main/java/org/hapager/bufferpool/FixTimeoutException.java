package org.hapager.bufferpool;

import org.hapager.pager.PageIoException;

/**
 * {@link BufferPool#fix} waited {@link BufferPoolConfig#fixTimeout()} for a frame (every frame pinned or in
 * I/O) or for a conflicting fix of the page to end. The message says which, with the pool's counts.
 */
public final class FixTimeoutException extends PageIoException {

    public FixTimeoutException(String message) {
        super(Kind.REJECTED, message);
    }
}
