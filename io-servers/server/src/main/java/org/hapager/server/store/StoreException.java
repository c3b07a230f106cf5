package org.hapager.server.store;

import org.hapager.wire.Status;

/**
 * An operation failed with a protocol {@link Status}. The message is what the client reads: it names the operation,
 * the volume (relative to the volumes root) and what went wrong in words, never an exception class or a server path
 * (see {@link IoErrors}); the cause, if any, is for the server's log.
 */
public final class StoreException extends Exception {

    private final Status status;

    public StoreException(Status status, String message) {
        super(message);
        this.status = status;
    }

    public StoreException(Status status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public Status status() {
        return status;
    }

    static StoreException notFound(String volume) {
        return new StoreException(Status.NOT_FOUND, "volume " + volume + " does not exist");
    }

    /** {@code what} failed because of {@code cause}: status and words from {@link IoErrors}, details logged there. */
    static StoreException io(String what, Throwable cause) {
        return IoErrors.failure(what, cause);
    }
}
