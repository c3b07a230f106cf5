package org.hapager.wire;

/** Every message of the protocol; see the package documentation for the conversation. */
public sealed interface Message {

    MessageType type();

    /** Client opens: protocol magic, the versions it speaks, its nonce and a name for logs. */
    record Hello(int magic, int minVersion, int maxVersion, byte[] clientNonce, String clientName) implements Message {
        public MessageType type() {
            return MessageType.HELLO;
        }
    }

    /** Server answers with the chosen version, its nonce and its identity (host, port, pid). */
    record Challenge(int version, byte[] serverNonce, String serverId) implements Message {
        public MessageType type() {
            return MessageType.CHALLENGE;
        }
    }

    /** Client proves the token and asks for a lease length. */
    record Auth(byte[] clientProof, int leaseMillis) implements Message {
        public MessageType type() {
            return MessageType.AUTH;
        }
    }

    /** Server proves the token back and fixes the session's parameters. */
    record AuthOk(byte[] serverProof, long sessionId, int leaseMillis, int maxInflight, int maxFrameBytes)
            implements Message {
        public MessageType type() {
            return MessageType.AUTH_OK;
        }
    }

    /** One request; {@code requestId} is unique per client and names the client's callback record. */
    record Request(long requestId, Op op) implements Message {
        public MessageType type() {
            return MessageType.REQUEST;
        }
    }

    /** The server accepted the request and now holds a reference to its record. */
    record Accepted(long requestId) implements Message {
        public MessageType type() {
            return MessageType.ACCEPTED;
        }
    }

    /**
     * The request finished and the server released its reference. {@code outcome} is set when
     * {@code status} is OK, {@code error} otherwise.
     */
    record Completion(long requestId, OpCode op, Status status, Outcome outcome, String error) implements Message {
        public MessageType type() {
            return MessageType.COMPLETION;
        }

        public static Completion ok(long requestId, OpCode op, Outcome outcome) {
            return new Completion(requestId, op, Status.OK, outcome, null);
        }

        public static Completion failed(long requestId, OpCode op, Status status, String error) {
            return new Completion(requestId, op, status, null, error);
        }
    }

    /** Renews the lease on every reference the server holds for this session. */
    record Heartbeat(long sequence) implements Message {
        public MessageType type() {
            return MessageType.HEARTBEAT;
        }
    }

    record HeartbeatAck(long sequence) implements Message {
        public MessageType type() {
            return MessageType.HEARTBEAT_ACK;
        }
    }

    /** The server is stopping: requests already accepted will complete; send nothing new. */
    record Draining(String reason) implements Message {
        public MessageType type() {
            return MessageType.DRAINING;
        }
    }

    /**
     * Server to server: the sender wants the reservation of the shared storage. The holder stops taking
     * storage requests, finishes the ones it accepted, makes them durable, releases the reservation and
     * answers {@link Yielded}.
     */
    record Yield(String takerId, String reason) implements Message {
        public MessageType type() {
            return MessageType.YIELD;
        }
    }

    /** Answer to {@link Yield}: {@code released} is false if the server did not hold the reservation. */
    record Yielded(boolean released, String detail) implements Message {
        public MessageType type() {
            return MessageType.YIELDED;
        }
    }

    /** A fatal protocol error; the sender closes the connection after it. */
    record Error(int code, String text) implements Message {
        public MessageType type() {
            return MessageType.ERROR;
        }

        /** The peer broke the protocol (malformed, unknown, out-of-order or oversized frame). */
        public static final int PROTOCOL = 1;
        /** Authentication failed. */
        public static final int AUTH_FAILED = 2;
        /** No common protocol version. */
        public static final int VERSION = 3;
        /** Too many requests in flight on this connection. */
        public static final int OVERLOAD = 4;
        /** The lease lapsed without a heartbeat. */
        public static final int LEASE_EXPIRED = 5;
    }
}
