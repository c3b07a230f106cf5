package org.hapager.bufferpool;

import java.time.Duration;

/**
 * {@link BufferPool#fix} (or {@link BufferPool#discard}) waited {@link BufferPoolConfig#fixTimeout()} for a
 * frame (every frame pinned or in I/O), for a conflicting fix of the page to end, or for I/O in flight on it.
 * The message says which, with the pool's counts; kind REJECTED (the pool had no room for the call), also
 * when the wait was for I/O: a fix's bound is the caller's, not the page servers'.
 */
public final class FixTimeoutException extends PoolTimeoutException {

    /**
     * @param operation "fix" or "discard"
     * @param volume    the volume fixed or discarded
     * @param page      the page waited on, or -1 when a fix waited for any frame
     * @param waitedFor what it waited for
     * @param waited    how long (the fix timeout)
     * @param message   the full message
     */
    public FixTimeoutException(String operation, String volume, long page, WaitedFor waitedFor, Duration waited,
                               String message) {
        super(Kind.REJECTED, operation, volume, page, waitedFor, waited, message);
    }
}
