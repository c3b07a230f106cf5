package org.hapager.derby.lock;

import org.hapager.pager.PageIoException;

/**
 * A write of a database refused because this JVM's lock of it is not known to be valid right now: a renewal
 * failed or came late (the lease is SUSPENDED), or the lease is too close to its expiry. Not final: when the
 * page servers answer again and the lock record is still ours, the lease resumes and writes go on; the
 * storage factory waits for that (up to a bound) before it gives this to Derby. See {@link WriteFence}.
 */
public final class LeaseLapsedException extends PageIoException {

    LeaseLapsedException(String message) {
        super(Kind.UNAVAILABLE, message);
    }
}
