package org.hapager.pager;

import java.io.IOException;

/**
 * Why a request failed. The message names the operation, the volume (and pages), the request id and the
 * server, so a log line alone tells what failed and where. Futures complete exceptionally with this
 * (wrapped in a {@link java.util.concurrent.CompletionException} by {@code join()}).
 */
public class PageIoException extends IOException {

    /** What kind of failure this is; callers branch on it. */
    public enum Kind {
        /** The volume or directory does not exist. */
        NOT_FOUND,
        /** The name already exists (exclusive create, rename without replace). */
        ALREADY_EXISTS,
        /** The request broke a rule (for example a directory where a volume was expected). */
        INVALID,
        /** A page's data did not match its CRC32C: never returned as data. */
        CHECKSUM_MISMATCH,
        /** The storage under the server failed. */
        STORAGE,
        /** A directory to delete still has entries. */
        NOT_EMPTY,
        /** No server could execute the request (connection lost, server draining, none reachable). */
        UNAVAILABLE,
        /** The client refused the request: closed, or no room in flight within the submit timeout. */
        REJECTED
    }

    private final Kind kind;

    public PageIoException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public PageIoException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
