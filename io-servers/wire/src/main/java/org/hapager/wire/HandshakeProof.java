package org.hapager.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 challenge-response over the shared token. Each side proves it knows the token by keying an
 * HMAC over both nonces and the negotiated version, with a different label per direction so one side's
 * proof can never be replayed as the other's. The token itself never crosses the wire.
 */
public final class HandshakeProof {

    /** Bytes in each nonce. */
    public static final int NONCE_BYTES = 32;
    /** Bytes in each proof (HMAC-SHA256). */
    public static final int PROOF_BYTES = 32;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] CLIENT_LABEL = "hapager client proof".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_LABEL = "hapager server proof".getBytes(StandardCharsets.US_ASCII);

    private final SecretKeySpec key;

    public HandshakeProof(byte[] token) {
        if (token == null || token.length < 16) {
            throw new IllegalArgumentException("token : " + (token == null ? "null" : token.length + " bytes") + " (expected: >= 16 bytes)");
        }
        this.key = new SecretKeySpec(token.clone(), "HmacSHA256");
    }

    public static byte[] newNonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    public byte[] clientProof(int version, byte[] clientNonce, byte[] serverNonce) {
        return hmac(CLIENT_LABEL, version, clientNonce, serverNonce);
    }

    public byte[] serverProof(int version, byte[] clientNonce, byte[] serverNonce) {
        return hmac(SERVER_LABEL, version, clientNonce, serverNonce);
    }

    /** Constant-time comparison. */
    public static boolean matches(byte[] expected, byte[] actual) {
        return MessageDigest.isEqual(expected, actual);
    }

    private byte[] hmac(byte[] label, int version, byte[] clientNonce, byte[] serverNonce) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(label);
            mac.update(ByteBuffer.allocate(4).putInt(version).flip());
            mac.update(clientNonce);
            mac.update(serverNonce);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
