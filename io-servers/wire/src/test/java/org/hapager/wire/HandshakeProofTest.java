package org.hapager.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class HandshakeProofTest {

    private static final byte[] TOKEN = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLIENT_NONCE = Wire.nonce(1);
    private static final byte[] SERVER_NONCE = Wire.nonce(2);

    private final HandshakeProof proof = new HandshakeProof(TOKEN);

    @Test
    void proofsAreHmacSha256OverLabelVersionAndBothNonces() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(TOKEN, "HmacSHA256"));
        mac.update("hapager client proof".getBytes(StandardCharsets.US_ASCII));
        mac.update(ByteBuffer.allocate(4).putInt(1).flip());
        mac.update(CLIENT_NONCE);
        mac.update(SERVER_NONCE);
        assertArrayEquals(mac.doFinal(), proof.clientProof(1, CLIENT_NONCE, SERVER_NONCE));
        assertEquals(HandshakeProof.PROOF_BYTES, proof.serverProof(1, CLIENT_NONCE, SERVER_NONCE).length);
    }

    @Test
    void proofsAreDeterministicForTheSameInputs() {
        assertArrayEquals(proof.clientProof(1, CLIENT_NONCE, SERVER_NONCE),
                new HandshakeProof(TOKEN.clone()).clientProof(1, CLIENT_NONCE.clone(), SERVER_NONCE.clone()));
    }

    @Test
    void clientAndServerProofsDiffer() {
        assertFalse(Arrays.equals(proof.clientProof(1, CLIENT_NONCE, SERVER_NONCE),
                proof.serverProof(1, CLIENT_NONCE, SERVER_NONCE)), "one side's proof cannot be replayed as the other's");
    }

    @Test
    void peerProofsDifferFromClientProofsEvenWithTheSameToken() {
        HandshakeProof peer = HandshakeProof.forPeers(TOKEN);
        byte[][] all = {proof.clientProof(1, CLIENT_NONCE, SERVER_NONCE), proof.serverProof(1, CLIENT_NONCE, SERVER_NONCE),
                peer.clientProof(1, CLIENT_NONCE, SERVER_NONCE), peer.serverProof(1, CLIENT_NONCE, SERVER_NONCE)};
        for (int i = 0; i < all.length; i++) {
            for (int j = i + 1; j < all.length; j++) {
                assertFalse(Arrays.equals(all[i], all[j]), "proofs " + i + " and " + j + " must differ: a client's proof"
                        + " never passes as a peer's, and no direction's as another's");
            }
        }
        assertArrayEquals(peer.clientProof(1, CLIENT_NONCE, SERVER_NONCE),
                HandshakeProof.forPeers(TOKEN.clone()).clientProof(1, CLIENT_NONCE, SERVER_NONCE));
    }

    @Test
    void everyInputChangesTheProof() {
        byte[] base = proof.clientProof(1, CLIENT_NONCE, SERVER_NONCE);
        byte[] otherToken = TOKEN.clone();
        otherToken[otherToken.length - 1] ^= 1;
        assertFalse(Arrays.equals(base, new HandshakeProof(otherToken).clientProof(1, CLIENT_NONCE, SERVER_NONCE)), "token");
        assertFalse(Arrays.equals(base, proof.clientProof(2, CLIENT_NONCE, SERVER_NONCE)), "version");
        byte[] otherClient = CLIENT_NONCE.clone();
        otherClient[31] ^= (byte) 0x80;
        assertFalse(Arrays.equals(base, proof.clientProof(1, otherClient, SERVER_NONCE)), "client nonce");
        byte[] otherServer = SERVER_NONCE.clone();
        otherServer[0] ^= 1;
        assertFalse(Arrays.equals(base, proof.clientProof(1, CLIENT_NONCE, otherServer)), "server nonce");
        assertFalse(Arrays.equals(base, proof.clientProof(1, SERVER_NONCE, CLIENT_NONCE)), "swapped nonces");
        assertFalse(Arrays.equals(proof.serverProof(1, CLIENT_NONCE, SERVER_NONCE),
                proof.serverProof(2, CLIENT_NONCE, SERVER_NONCE)), "server proof covers the version");
    }

    @Test
    void matchesComparesWholeArrays() {
        byte[] p = proof.clientProof(1, CLIENT_NONCE, SERVER_NONCE);
        assertTrue(HandshakeProof.matches(p, p.clone()));
        for (int i = 0; i < p.length; i++) {
            byte[] q = p.clone();
            q[i] ^= 1;
            assertFalse(HandshakeProof.matches(p, q), "differs at byte " + i);
        }
        assertFalse(HandshakeProof.matches(p, Arrays.copyOf(p, p.length - 1)), "a prefix is not a match");
        assertFalse(HandshakeProof.matches(p, Arrays.copyOf(p, p.length + 1)), "an extension is not a match");
        assertFalse(HandshakeProof.matches(p, new byte[0]));
        assertFalse(HandshakeProof.matches(p, null));
    }

    @Test
    void tokensShorterThan16BytesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HandshakeProof(new byte[15]));
        assertEquals("token : 15 bytes (expected: >= 16 bytes)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new HandshakeProof(null));
        new HandshakeProof(new byte[16]);
    }

    @Test
    void theTokenIsCopied() {
        byte[] token = TOKEN.clone();
        HandshakeProof p = new HandshakeProof(token);
        byte[] before = p.clientProof(1, CLIENT_NONCE, SERVER_NONCE);
        Arrays.fill(token, (byte) 0);
        assertArrayEquals(before, p.clientProof(1, CLIENT_NONCE, SERVER_NONCE));
    }

    @Test
    void noncesAreFreshAndFullLength() {
        byte[] a = HandshakeProof.newNonce();
        byte[] b = HandshakeProof.newNonce();
        assertEquals(HandshakeProof.NONCE_BYTES, a.length);
        assertFalse(Arrays.equals(a, b));
    }
}
