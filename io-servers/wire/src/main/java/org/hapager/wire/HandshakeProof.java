package org.hapager.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 challenge-response over a shared token. Each side proves it knows the token by keying an
 * HMAC over both nonces and the negotiated version, with a different label per direction so one side's
 * proof can never be replayed as the other's. The token itself never crosses the wire.
 *
 * <p>Two kinds of proof share the AUTH message: a client's ({@link #HandshakeProof(byte[])}, keyed with the
 * client token: read and write volumes) and a peer page server's ({@link #forPeers}, keyed with the peer token:
 * additionally make the serving server yield the storage reservation). Their labels differ, so a proof of one
 * kind never passes as the other even if both tokens were the same; the server tries both and knows from the
 * one that matches which role the connection has.
 */
public final class HandshakeProof {

    /** Bytes in each nonce. */
    public static final int NONCE_BYTES = 32;
    /** Bytes in each proof (HMAC-SHA256). */
    public static final int PROOF_BYTES = 32;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] CLIENT_LABEL = "hapager client proof".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_LABEL = "hapager server proof".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PEER_LABEL = "hapager peer proof".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_TO_PEER_LABEL = "hapager server-to-peer proof".getBytes(StandardCharsets.US_ASCII);

    private final SecretKeySpec key;
    private final byte[] connectingLabel;
    private final byte[] servingLabel;

    /** Proofs of a client, keyed with the client token. */
    public HandshakeProof(byte[] token) {
        this(token, CLIENT_LABEL, SERVER_LABEL);
    }

    private HandshakeProof(byte[] token, byte[] connectingLabel, byte[] servingLabel) {
        if (token == null || token.length < 16) {
            throw new IllegalArgumentException("token : " + (token == null ? "null" : token.length + " bytes") + " (expected: >= 16 bytes)");
        }
        this.key = new SecretKeySpec(token.clone(), "HmacSHA256");
        this.connectingLabel = connectingLabel;
        this.servingLabel = servingLabel;
    }

    /**
     * Proofs of a peer page server, keyed with the peer token: the connecting server's {@link #clientProof} and
     * the serving server's {@link #serverProof} carry labels of their own, distinct from a client's.
     */
    public static HandshakeProof forPeers(byte[] peerToken) {
        return new HandshakeProof(peerToken, PEER_LABEL, SERVER_TO_PEER_LABEL);
    }

    public static byte[] newNonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    /** The connecting side's proof, sent in AUTH (a client's, or a peer server's for {@link #forPeers}). */
    public byte[] clientProof(int version, byte[] clientNonce, byte[] serverNonce) {
        return hmac(connectingLabel, version, clientNonce, serverNonce);
    }

    /** The serving side's proof, sent in AUTH_OK. */
    public byte[] serverProof(int version, byte[] clientNonce, byte[] serverNonce) {
        return hmac(servingLabel, version, clientNonce, serverNonce);
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
