package org.hapager.server.store;

import org.hapager.wire.Status;

/** An operation failed with a protocol {@link Status}; the message names the operation, volume and pages. */
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

    static StoreException io(String what, Throwable cause) {
        return new StoreException(Status.IO_ERROR, what + ": " + cause, cause);
    }
}
