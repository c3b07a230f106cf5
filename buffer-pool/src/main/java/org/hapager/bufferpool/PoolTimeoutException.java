package org.hapager.bufferpool;

import java.time.Duration;
import java.util.Objects;
import org.hapager.pager.PageIoException;

/**
 * A wait in a {@link BufferPool} (or a {@link org.hapager.bufferpool.memory.PagedMemory} over one) ran out
 * of its bound. Every wait of the pool has one, so none hangs: a fix or a discard waits up to
 * {@link BufferPoolConfig#fixTimeout()} ({@link FixTimeoutException}, this class's subclass), a sync and a
 * paged memory's open up to {@link BufferPoolConfig#ioTimeout()}. The message and the accessors say which
 * operation waited, on which volume and page, for what, and how long.
 *
 * <p>The kind is {@link PageIoException.Kind#UNAVAILABLE} when the wait was for I/O in flight (a read, a
 * write-back, a pager request: the page servers did not answer in time) and
 * {@link PageIoException.Kind#REJECTED} when it was for a frame or for another caller's pin (the pool had no
 * room for the call). Either way the pool's state is intact: the I/O waited for is still in flight and its
 * frame stays pinned by it, READING or WRITING, until it really completes; only the caller stopped waiting.
 * Repeating the call later is safe.
 */
public class PoolTimeoutException extends PageIoException {

    /** What the caller was waiting for when its bound ran out. */
    public enum WaitedFor {
        /** A frame to take: every frame pinned or in I/O. */
        FRAME,
        /** A conflicting pin of the page to end (or a sync's request for it). */
        PIN,
        /** The page's read in flight. */
        READ,
        /** The page's write-back in flight. */
        WRITE_BACK,
        /** A request to the pager (a paged memory's open: create, stat, set-length; a sync's barrier). */
        PAGER_REQUEST;

        /** UNAVAILABLE for I/O, REJECTED for a frame or a pin. */
        PageIoException.Kind kind() {
            return this == FRAME || this == PIN ? PageIoException.Kind.REJECTED : PageIoException.Kind.UNAVAILABLE;
        }
    }

    private final String operation;
    private final String volume;
    private final long page;
    private final WaitedFor waitedFor;
    private final Duration waited;

    /**
     * @param operation what waited ("fix", "discard", "sync", "open")
     * @param volume    the volume it was for
     * @param page      the page it waited on, or -1 when none in particular
     * @param waitedFor what it waited for
     * @param waited    how long it waited
     * @param message   the full message: what, where, for what, how long, and the pool's counts
     */
    public PoolTimeoutException(String operation, String volume, long page, WaitedFor waitedFor, Duration waited,
                                String message) {
        this(waitedFor.kind(), operation, volume, page, waitedFor, waited, message);
    }

    /** For subclasses that fix the kind. */
    protected PoolTimeoutException(Kind kind, String operation, String volume, long page, WaitedFor waitedFor,
                                   Duration waited, String message) {
        super(kind, message);
        this.operation = Objects.requireNonNull(operation, "operation");
        this.volume = Objects.requireNonNull(volume, "volume");
        this.page = page;
        this.waitedFor = Objects.requireNonNull(waitedFor, "waitedFor");
        this.waited = Objects.requireNonNull(waited, "waited");
    }

    /** What waited: "fix", "discard", "sync" or "open". */
    public String operation() {
        return operation;
    }

    public String volume() {
        return volume;
    }

    /** The page waited on, or -1 when none in particular (a fix waiting for any frame, an open). */
    public long page() {
        return page;
    }

    public WaitedFor waitedFor() {
        return waitedFor;
    }

    /** How long the caller waited before giving up (its bound, give or take the wake-up). */
    public Duration waited() {
        return waited;
    }
}
