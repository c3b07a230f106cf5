package org.hapager.pager.session;

/**
 * What a session's handshake fixed: the server's id, the protocol version, the session id, the lease the server
 * granted (the client gives the server up after it hears nothing for that long) and the server's max in flight.
 */
public record SessionParameters(String serverId, int version, long sessionId, long leaseNanos, int maxInflight) {
}
