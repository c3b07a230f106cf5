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
    /** Longest client name in HELLO, in bytes: it only names the client in the server's logs. */
    public static final int MAX_CLIENT_NAME_BYTES = 256;
    /** Bytes of a string field's length prefix. */
    static final int STRING_LENGTH_BYTES = 2;
    /** Type byte plus the largest HELLO body (magic, versions, nonce, client name of {@value #MAX_CLIENT_NAME_BYTES} bytes). */
    static final int MAX_HELLO_FRAME_BYTES = 1 + 4 + 2 + 2 + HandshakeProof.NONCE_BYTES + STRING_LENGTH_BYTES + MAX_CLIENT_NAME_BYTES;
    /** Type byte plus the AUTH body (proof, lease). */
    static final int AUTH_FRAME_BYTES = 1 + HandshakeProof.PROOF_BYTES + 4;
    /**
     * Largest frame a server reads from a connection before it has authenticated (see
     * {@link FrameDecoder#forHandshake}): HELLO or AUTH, whichever is larger, so 299 bytes. A length prefix over
     * it is refused before a byte of the body is buffered, so a connection that has not proven it knows the token
     * costs the server a few hundred bytes, not a full frame.
     */
    public static final int MAX_HANDSHAKE_FRAME_BYTES = Math.max(MAX_HELLO_FRAME_BYTES, AUTH_FRAME_BYTES);

    private Protocol() {
    }

    /** The highest version both ranges share, or -1 if none. */
    public static int negotiate(int peerMin, int peerMax) {
        int version = Math.min(peerMax, MAX_VERSION);
        return version >= Math.max(peerMin, MIN_VERSION) ? version : -1;
    }
}
