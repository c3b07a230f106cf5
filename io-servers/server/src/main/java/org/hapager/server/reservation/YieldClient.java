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
 * everything bounded by one deadline: every socket read times out at the deadline. The {@link HolderWatch} uses
 * the same authenticated session ({@link #open}) for its heartbeats. What the holder sends is
 * escaped ({@link WireText#escape}) before it goes into an answer or an exception: it ends up in log lines.
 *
 * <p>Threads: the reservation thread (see {@link Reservation}) and the holder watch's, each with its own sessions.
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
        // the lease must outlast the holder's drain; the holder clamps it to its maximum
        try (PeerSession session = open(holder, "yield from ", deadlineNanos, millisLeft(deadlineNanos) + 10_000L)) {
            session.send(new Message.Yield(takerId, reason));
            while (true) {
                Message reply = session.receive(deadlineNanos);
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

    /**
     * Connects to {@code holder} and authenticates as a peer, all before the deadline; the session asks for a
     * lease of {@code leaseMillis}. {@code purpose} starts the client name the holder logs ("yield from ").
     */
    PeerSession open(Holder holder, String purpose, long deadlineNanos, long leaseMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(holder.host(), holder.port()), millisLeft(deadlineNanos));
            PeerSession session = new PeerSession(holder, socket);
            HandshakeProof proof = HandshakeProof.forPeers(peerToken);
            byte[] nonce = HandshakeProof.newNonce();
            session.send(new Message.Hello(Protocol.MAGIC, Protocol.MIN_VERSION, Protocol.MAX_VERSION, nonce, clientName(purpose)));
            Message.Challenge challenge = expect(Message.Challenge.class, session.receive(deadlineNanos), holder);
            session.send(new Message.Auth(proof.clientProof(challenge.version(), nonce, challenge.serverNonce()),
                    (int) Math.min(Integer.MAX_VALUE, leaseMillis)));
            Message.AuthOk ok = expect(Message.AuthOk.class, session.receive(deadlineNanos), holder);
            if (!HandshakeProof.matches(proof.serverProof(challenge.version(), nonce, challenge.serverNonce()), ok.serverProof())) {
                throw new IOException(holder.describe() + " answered with a proof that does not match the peer token");
            }
            return session;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** An authenticated peer connection to a holder: blocking sends, and receives bounded by a deadline. */
    final class PeerSession implements AutoCloseable {
        private final Holder holder;
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        private PeerSession(Holder holder, Socket socket) throws IOException {
            this.holder = holder;
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        Holder holder() {
            return holder;
        }

        void send(Message message) throws IOException {
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

        /** The next message; {@link SocketTimeoutException} if the deadline ({@link System#nanoTime()}) passes first. */
        Message receive(long deadlineNanos) throws IOException {
            socket.setSoTimeout(millisLeft(deadlineNanos));
            int length = in.readInt();
            if (length < 1 || length > WireLimits.DEFAULT.maxFrameBytes()) {
                throw new IOException(holder.describe() + " sent a frame of " + length + " bytes");
            }
            byte[] frame = new byte[length];
            in.readFully(frame);
            return codec.decode(Unpooled.wrappedBuffer(frame));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** PURPOSE + TAKER ("yield from a"), cut to the HELLO's bound on client names (a server id may be longer). */
    private String clientName(String purpose) {
        String name = purpose + takerId;
        while (name.getBytes(StandardCharsets.UTF_8).length > Protocol.MAX_CLIENT_NAME_BYTES) {
            name = name.substring(0, name.offsetByCodePoints(name.length(), -1));
        }
        return name;
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
