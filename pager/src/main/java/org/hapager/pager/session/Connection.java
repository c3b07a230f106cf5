package org.hapager.pager.session;

import java.net.InetSocketAddress;

/**
 * A session with one page server as the failover controller sees it: a {@link Session} the record table can
 * send on, plus where it goes, how far its handshake got, and closing it. {@link ServerConnection} is the
 * real one; the controller's tests use scripted ones on an embedded event loop.
 *
 * <p>Owner: the pager's I/O thread; no method here is thread-safe but {@link #close}.
 */
public interface Connection extends Session {

    /** The server's address, as configured. */
    InetSocketAddress address();

    /** How far the session got; see {@link ServerConnection.State}. */
    ServerConnection.State state();

    /** Closes the session; the listener hears {@code onLost} with {@code cause} (once, on the I/O thread). */
    void close(Throwable cause);
}
