package org.hapager.wire;

/** The type byte of a frame. Codes are part of the protocol: never renumber, only add. */
public enum MessageType {
    HELLO(1), CHALLENGE(2), AUTH(3), AUTH_OK(4),
    REQUEST(10), ACCEPTED(11), COMPLETION(12),
    HEARTBEAT(20), HEARTBEAT_ACK(21), DRAINING(22), YIELD(23), YIELDED(24),
    ERROR(30);

    private static final MessageType[] BY_CODE = new MessageType[256];

    static {
        for (MessageType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    public final int code;

    MessageType(int code) {
        this.code = code;
    }

    /** The type with this code, or null if the code is unknown. */
    public static MessageType of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
