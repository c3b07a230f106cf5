package org.hapager.wire;

/** Constants both sides agree on. */
public final class Protocol {
    /** First field of HELLO: "HAPG". */
    public static final int MAGIC = 0x48415047;
    /** Oldest protocol version this build speaks. */
    public static final int MIN_VERSION = 1;
    /** Newest protocol version this build speaks. */
    public static final int MAX_VERSION = 1;
    /** Bytes of the length prefix. */
    public static final int LENGTH_FIELD_BYTES = 4;
    /** Longest string field (error texts, identities) in bytes. */
    public static final int MAX_STRING_BYTES = 8192;

    private Protocol() {
    }

    /** The highest version both ranges share, or -1 if none. */
    public static int negotiate(int peerMin, int peerMax) {
        int version = Math.min(peerMax, MAX_VERSION);
        return version >= Math.max(peerMin, MIN_VERSION) ? version : -1;
    }
}
