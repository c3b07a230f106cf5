package org.hapager.server.reservation;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.hapager.wire.HandshakeProof;
import org.hapager.wire.Message;
import org.hapager.wire.MessageCodec;
import org.hapager.wire.Protocol;
import org.hapager.wire.WireLimits;

/**
 * The taker's side of a yield: connects to the holder as an authenticated client (HELLO, CHALLENGE, AUTH,
 * AUTH_OK with the shared token, checking the holder's proof like the pager does), sends
 * {@code YIELD(takerId, reason)} and waits for {@code YIELDED}. Blocking, one conversation per instance,
 * everything bounded by one deadline: every socket read times out at the deadline.
 *
 * <p>Thread: the reservation thread (see {@link Reservation}).
 */
final class YieldClient {

    private final byte[] token;
    private final String takerId;
    private final MessageCodec codec = new MessageCodec(WireLimits.DEFAULT);

    YieldClient(byte[] token, String takerId) {
        this.token = token.clone();
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
            HandshakeProof proof = new HandshakeProof(token);
            byte[] nonce = HandshakeProof.newNonce();
            send(out, new Message.Hello(Protocol.MAGIC, Protocol.MIN_VERSION, Protocol.MAX_VERSION, nonce, "yield from " + takerId));
            Message.Challenge challenge = expect(Message.Challenge.class, receive(socket, in, deadlineNanos), holder);
            // the lease must outlast the holder's drain; the holder clamps it to its maximum
            int leaseMillis = (int) Math.min(Integer.MAX_VALUE, millisLeft(deadlineNanos) + 10_000L);
            send(out, new Message.Auth(proof.clientProof(challenge.version(), nonce, challenge.serverNonce()), leaseMillis));
            Message.AuthOk ok = expect(Message.AuthOk.class, receive(socket, in, deadlineNanos), holder);
            if (!HandshakeProof.matches(proof.serverProof(challenge.version(), nonce, challenge.serverNonce()), ok.serverProof())) {
                throw new IOException(holder.describe() + " answered with a proof that does not match the token");
            }
            send(out, new Message.Yield(takerId, reason));
            while (true) {
                Message reply = receive(socket, in, deadlineNanos);
                if (reply instanceof Message.Yielded yielded) {
                    return yielded;
                }
                if (!(reply instanceof Message.HeartbeatAck || reply instanceof Message.Draining)) {
                    throw new IOException(holder.describe() + " answered YIELD with " + reply);
                }
            }
        }
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
            throw new IOException(holder.describe() + " answered " + message + " (expected: " + type.getSimpleName() + ")");
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
