package org.hapager.server.session;

import org.hapager.server.fault.FaultPoints;
import org.hapager.wire.HandshakeProof;
import org.hapager.wire.WireLimits;

/**
 * What every session of one server shares.
 *
 * @param serverId               sent in CHALLENGE, for the client's logs
 * @param proof                  keyed with the client token: a connection proving it is a CLIENT
 * @param peerProof              keyed with the peer token: a connection proving it is a PEER (a page server, which
 *                               may send YIELD); null if no connection may authenticate as a peer
 * @param leaseMaxMillis         longest lease granted; a client's request is clamped to [{@value #LEASE_MIN_MILLIS}, this]
 * @param maxInflight            requests one connection may have accepted and not completed
 * @param handshakeTimeoutMillis time from connect to AUTH_OK before the connection is closed
 * @param maxUnauthenticated     connections awaiting authentication at once, server-wide; one more is closed on arrival
 * @param limits                 frame and I/O bounds, announced in AUTH_OK
 * @param faults                 test fault points, {@link FaultPoints#NONE} unless a test switched them on
 */
public record SessionSettings(String serverId, HandshakeProof proof, HandshakeProof peerProof, int leaseMaxMillis,
                              int maxInflight, int handshakeTimeoutMillis, int maxUnauthenticated, WireLimits limits,
                              FaultPoints faults) {

    /** Default of {@code --max-unauthenticated}. */
    public static final int DEFAULT_MAX_UNAUTHENTICATED = 64;

    /** Settings for unit tests: no peer proof, the default cap on unauthenticated connections, no fault points. */
    public SessionSettings(String serverId, HandshakeProof proof, int leaseMaxMillis, int maxInflight,
                           int handshakeTimeoutMillis, WireLimits limits) {
        this(serverId, proof, null, leaseMaxMillis, maxInflight, handshakeTimeoutMillis, DEFAULT_MAX_UNAUTHENTICATED,
                limits, FaultPoints.NONE);
    }

    /** Shortest lease granted, whatever the client asks: shorter ones expire under ordinary scheduling noise. */
    public static final int LEASE_MIN_MILLIS = 100;

    public SessionSettings {
        if (leaseMaxMillis < LEASE_MIN_MILLIS) {
            throw new IllegalArgumentException("leaseMaxMillis : " + leaseMaxMillis + " (expected: >= " + LEASE_MIN_MILLIS + ")");
        }
        if (maxInflight < 1) {
            throw new IllegalArgumentException("maxInflight : " + maxInflight + " (expected: >= 1)");
        }
        if (handshakeTimeoutMillis < 1) {
            throw new IllegalArgumentException("handshakeTimeoutMillis : " + handshakeTimeoutMillis + " (expected: >= 1)");
        }
        if (maxUnauthenticated < 1) {
            throw new IllegalArgumentException("maxUnauthenticated : " + maxUnauthenticated + " (expected: >= 1)");
        }
    }

    /** The lease granted for a requested one. */
    int clampLease(int requestedMillis) {
        return Math.max(LEASE_MIN_MILLIS, Math.min(requestedMillis, leaseMaxMillis));
    }
}
