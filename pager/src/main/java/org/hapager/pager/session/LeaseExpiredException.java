package org.hapager.pager.session;

import java.io.IOException;

/** Nothing was heard from a server within the lease: it is dead, frozen or cut off. */
public final class LeaseExpiredException extends IOException {
    public LeaseExpiredException(String message) {
        super(message);
    }
}
