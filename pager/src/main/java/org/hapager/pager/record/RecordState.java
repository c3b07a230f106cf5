package org.hapager.pager.record;

/** Where a callback record is in its life; see {@link RecordTable} for the transitions. */
public enum RecordState {
    /** Submitted, not sent: waiting for an earlier conflicting request, room on the connection, or a server. */
    QUEUED,
    /** Written to a server's connection; the server has not yet said it accepted it (no reference exists). */
    SENT,
    /** The server accepted it and holds a reference to the record (the I/O is in progress). */
    REFERENCED,
    /** A server completed it: the caller's future has its outcome. Final for the caller. */
    DONE,
    /** The server's reference is gone after completion: the record leaves the table (step 430). Final. */
    RELEASED,
    /** The client gave up on it (no server could take it, or the client closed); the future failed. Final. */
    ABANDONED
}
