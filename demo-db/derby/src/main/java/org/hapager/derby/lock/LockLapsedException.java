package org.hapager.derby.lock;

import org.hapager.pager.PageIoException;

/**
 * A write of a database refused because this JVM's lock of it is not known to be valid right now: a renewal
 * failed or came late (the lock is SUSPENDED), or the lock is too close to its expiry. Not final: when the
 * page servers answer again and the lock record is still ours, the lock resumes and writes go on; the
 * storage factory waits for that (up to a bound) before it gives this to Derby. See {@link WriteFence}.
 */
public final class LockLapsedException extends PageIoException {

    LockLapsedException(String message) {
        super(Kind.UNAVAILABLE, message);
    }
}
