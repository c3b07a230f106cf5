package org.hapager.server.reservation;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.hapager.wire.HandshakeProof;
import org.hapager.wire.Message;
import org.hapager.wire.MessageCodec;
import org.hapager.wire.Protocol;
import org.hapager.wire.WireLimits;
import org.hapager.wire.WireText;

/**
 * The taker's side of a yield: connects to the holder as an authenticated peer (HELLO, CHALLENGE, AUTH,
 * AUTH_OK with the peer token's proofs, {@link HandshakeProof#forPeers}, checking the holder's proof like the
 * pager does; the holder accepts YIELD only from a connection authenticated so), sends
 * {@code YIELD(takerId, reason)} and waits for {@code YIELDED}. Blocking, one conversation per instance,
 * everything bounded by one deadline: every socket read times out at the deadline. What the holder sends is
 * escaped ({@link WireText#escape}) before it goes into an answer or an exception: it ends up in log lines.
 *
 * <p>Thread: the reservation thread (see {@link Reservation}).
 */
final class YieldClient {

    private final byte[] peerToken;
    private final String takerId;
    private final MessageCodec codec = new MessageCodec(WireLimits.DEFAULT);

    YieldClient(byte[] peerToken, String takerId) {
        this.peerToken = peerToken.clone();
        this.takerId = takerId;
    }

    /**
     * Asks {@code holder} to yield and returns its answer.
     *
     * @throws SocketTimeoutException if the deadline ({@link System#nanoTime()}) passed first
     * @throws IOException            if the holder cannot be reached or breaks the protocol; the message names it
     */
    Message.Yielded askToYield(Holder holder, String reason, long deadlineNanos) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(holder.host(), holder.port()), millisLeft(deadlineNanos));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            HandshakeProof proof = HandshakeProof.forPeers(peerToken);
            byte[] nonce = HandshakeProof.newNonce();
            send(out, new Message.Hello(Protocol.MAGIC, Protocol.MIN_VERSION, Protocol.MAX_VERSION, nonce, clientName()));
            Message.Challenge challenge = expect(Message.Challenge.class, receive(socket, in, deadlineNanos), holder);
            // the lease must outlast the holder's drain; the holder clamps it to its maximum
            int leaseMillis = (int) Math.min(Integer.MAX_VALUE, millisLeft(deadlineNanos) + 10_000L);
            send(out, new Message.Auth(proof.clientProof(challenge.version(), nonce, challenge.serverNonce()), leaseMillis));
            Message.AuthOk ok = expect(Message.AuthOk.class, receive(socket, in, deadlineNanos), holder);
            if (!HandshakeProof.matches(proof.serverProof(challenge.version(), nonce, challenge.serverNonce()), ok.serverProof())) {
                throw new IOException(holder.describe() + " answered with a proof that does not match the peer token");
            }
            send(out, new Message.Yield(takerId, reason));
            while (true) {
                Message reply = receive(socket, in, deadlineNanos);
                if (reply instanceof Message.Yielded yielded) {
                    // its detail goes into this server's logs and its clients' error texts
                    return new Message.Yielded(yielded.released(), WireText.escape(yielded.detail()));
                }
                if (!(reply instanceof Message.HeartbeatAck || reply instanceof Message.Draining)) {
                    throw new IOException(holder.describe() + " answered YIELD with " + WireText.escape(reply.toString()));
                }
            }
        }
    }

    /** "yield from TAKER", cut to the HELLO's bound on client names (a server id may be longer). */
    private String clientName() {
        String name = "yield from " + takerId;
        while (name.getBytes(StandardCharsets.UTF_8).length > Protocol.MAX_CLIENT_NAME_BYTES) {
            name = name.substring(0, name.offsetByCodePoints(name.length(), -1));
        }
        return name;
    }

    private void send(OutputStream out, Message message) throws IOException {
        ByteBuf buf = Unpooled.buffer();
        try {
            codec.encodeFrame(message, buf);
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            out.write(bytes);
            out.flush();
        } finally {
            buf.release();
        }
    }

    private Message receive(Socket socket, DataInputStream in, long deadlineNanos) throws IOException {
        socket.setSoTimeout(millisLeft(deadlineNanos));
        int length = in.readInt();
        if (length < 1 || length > WireLimits.DEFAULT.maxFrameBytes()) {
            throw new IOException("frame of " + length + " bytes");
        }
        byte[] frame = new byte[length];
        in.readFully(frame);
        return codec.decode(Unpooled.wrappedBuffer(frame));
    }

    private static <T extends Message> T expect(Class<T> type, Message message, Holder holder) throws IOException {
        if (!type.isInstance(message)) {
            throw new IOException(holder.describe() + " answered " + WireText.escape(message.toString()) + " (expected: "
                    + type.getSimpleName() + ")");
        }
        return type.cast(message);
    }

    /** Milliseconds until the deadline, at least 1 (0 would mean "no timeout" to a socket). */
    private static int millisLeft(long deadlineNanos) throws SocketTimeoutException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000));
    }
}
