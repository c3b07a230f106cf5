package org.hapager.server.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.hapager.wire.HandshakeProof;
import org.hapager.wire.Message;
import org.hapager.wire.MessageCodec;
import org.hapager.wire.Op;
import org.hapager.wire.Protocol;
import org.hapager.wire.WireLimits;

/**
 * A minimal blocking protocol client over a plain socket, for tests of real server processes: one frame
 * out, one frame in, no pipelining logic of its own. A read waits at most 10 s (a safety net; tests wait on
 * the server's replies, not on time). Not thread-safe.
 */
public final class BlockingClient implements AutoCloseable {

    private static final int READ_TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final MessageCodec codec = new MessageCodec(WireLimits.DEFAULT);

    private BlockingClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static BlockingClient connect(InetSocketAddress address) throws IOException {
        return connect(address, 0);
    }

    /**
     * Connects with a receive buffer of {@code receiveBufferBytes} (0: the system's default): a small one makes a
     * client that does not read fill up quickly, as a slow or hostile reader would.
     */
    public static BlockingClient connect(InetSocketAddress address, int receiveBufferBytes) throws IOException {
        Socket socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes); // before connect: it sets the window offered
        }
        socket.connect(address, READ_TIMEOUT_MILLIS);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        return new BlockingClient(socket);
    }

    /** HELLO, CHALLENGE, AUTH, AUTH_OK; throws if the server answers anything else or its proof is wrong. */
    public Message.AuthOk handshake(byte[] token, int leaseMillis) throws IOException {
        return handshake(new HandshakeProof(token), "test-client", leaseMillis);
    }

    /** The handshake with {@code proof} (a client's, or a peer server's) and {@code clientName} in HELLO. */
    public Message.AuthOk handshake(HandshakeProof proof, String clientName, int leaseMillis) throws IOException {
        byte[] clientNonce = HandshakeProof.newNonce();
        send(new Message.Hello(Protocol.MAGIC, Protocol.MIN_VERSION, Protocol.MAX_VERSION, clientNonce, clientName));
        Message challenge = receive();
        if (!(challenge instanceof Message.Challenge c)) {
            throw new IOException("expected CHALLENGE, got " + challenge);
        }
        send(new Message.Auth(proof.clientProof(c.version(), clientNonce, c.serverNonce()), leaseMillis));
        Message reply = receive();
        if (!(reply instanceof Message.AuthOk ok)) {
            throw new IOException("expected AUTH_OK, got " + reply);
        }
        if (!HandshakeProof.matches(proof.serverProof(c.version(), clientNonce, c.serverNonce()), ok.serverProof())) {
            throw new IOException("server proof does not match the token");
        }
        return ok;
    }

    public void send(Message message) throws IOException {
        ByteBuf buf = Unpooled.buffer();
        try {
            codec.encodeFrame(message, buf);
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            sendRaw(bytes);
        } finally {
            buf.release();
        }
    }

    /** Sends bytes as they are: for malformed frames. */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next frame; {@link EOFException} if the server closed the connection. */
    public Message receive() throws IOException {
        int length = in.readInt();
        if (length < 1 || length > WireLimits.DEFAULT.maxFrameBytes()) {
            throw new IOException("server sent a frame of " + length + " bytes");
        }
        byte[] frame = new byte[length];
        in.readFully(frame);
        return codec.decode(Unpooled.wrappedBuffer(frame));
    }

    /**
     * Sends a request and returns its completion, checking that an ACCEPTED, if any, came first (a request the
     * server completed within the read that brought it gets its COMPLETION alone).
     */
    public Message.Completion call(long requestId, Op op) throws IOException {
        send(new Message.Request(requestId, op));
        Message answer = receive();
        if (answer instanceof Message.Accepted a && a.requestId() == requestId) {
            answer = receive();
        }
        if (!(answer instanceof Message.Completion c) || c.requestId() != requestId) {
            throw new IOException("expected ACCEPTED(" + requestId + ") or COMPLETION(" + requestId + "), got " + answer);
        }
        return c;
    }

    /** True once the server has closed the connection (reads any frames still queued first). */
    public boolean awaitClosedByServer() throws IOException {
        try {
            while (true) {
                receive();
            }
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset by the server
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
