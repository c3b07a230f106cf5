/**
 * Client sessions: the Netty server ({@link org.hapager.server.session.SessionServer}), one
 * {@link org.hapager.server.session.SessionHandler} per connection running the handshake, lease and request
 * state machine (the handshake's checks and its own state in {@link org.hapager.server.session.SessionHandshake},
 * the buffer budget's backpressure on the connection in {@link org.hapager.server.session.ConnectionBackpressure}),
 * and the registry of live sessions used to drain ({@link org.hapager.server.session.Sessions}).
 *
 * <p>Threads: each connection's state belongs to its channel's event loop; operations run on the store's I/O
 * threads and their completions hop back to the event loop before anything touches session state.
 */
package org.hapager.server.session;
