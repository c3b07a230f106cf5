package org.hapager.wire;

/** Outcome of a request as reported in its completion. Codes are part of the protocol. */
public enum Status {
    OK(0),
    /** The volume or directory does not exist. */
    NOT_FOUND(1),
    /** Create (exclusive) or rename (no replace) found the target already there. */
    ALREADY_EXISTS(2),
    /** The request broke a rule (bad name, bad page size, a directory where a volume is expected…). */
    INVALID(3),
    /** A page's checksum did not match its data. */
    CHECKSUM_MISMATCH(4),
    /** The storage failed (the message says which call failed on which file). */
    IO_ERROR(5),
    /** A directory to delete still has entries. */
    NOT_EMPTY(6),
    /** The server is draining and takes no new requests; the request was not executed. */
    SHUTTING_DOWN(7),
    /**
     * The server does not hold the reservation of the shared storage and could not take it (the holder
     * neither yielded nor was fenced in time); the request was not executed.
     */
    NOT_RESERVED(8);

    private static final Status[] BY_CODE = new Status[256];

    static {
        for (Status s : values()) {
            BY_CODE[s.code] = s;
        }
    }

    public final int code;

    Status(int code) {
        this.code = code;
    }

    public static Status of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
