package org.hapager.pager.session;

import org.hapager.wire.Message;

/**
 * What the record table needs of a session with a page server: whether requests may be sent on it, its
 * handshake parameters (the max in flight), and sending. {@link ServerConnection} is the real one; tests
 * use simulated sessions to drive the record table without sockets.
 *
 * <p>Owner: the pager's I/O thread, like the record table; no method here is thread-safe.
 */
public interface Session {

    /** True while requests may be sent (SERVING). */
    boolean isServing();

    /** Parameters fixed by the handshake; valid once the session is serving. */
    SessionParameters parameters();

    /** Queues a request; call {@link #flush()} after a batch. Only while {@link #isServing()}. */
    void send(Message.Request request);

    /** Sends everything queued by {@link #send}. */
    void flush();

    /** Names the server the way logs and error messages do, e.g. {@code page server a (/10.0.0.1:7000)}. */
    @Override
    String toString();
}
