package org.hapager.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the byte stream into frames and decodes each into a {@link Message}. A length prefix over the current
 * bound raises {@link FrameTooLongException} before a byte of the body is buffered; a bad body raises
 * {@link CorruptFrameException}. Either way the decoder discards all further input: the handler after it logs
 * the reason and closes the connection.
 *
 * <p>The bound is {@code maxFrameBytes} of the codec's limits, except for a server's decoder made with
 * {@link #forHandshake}: until its session calls {@link #authenticated()} it is
 * {@link Protocol#MAX_HANDSHAKE_FRAME_BYTES}, so a connection that has not proven it knows the token can make
 * the server buffer a few hundred bytes, not a full frame. The bound is read before each frame, so a frame
 * that follows AUTH in the same read is measured against the bound in force once AUTH has been handled.
 *
 * <p>Bound: between reads the decoder holds at most {@code LENGTH_FIELD_BYTES + bound - 1} bytes (one
 * incomplete frame whose prefix it has checked), and none after a failure ({@link #bufferedBytes}).
 */
public final class FrameDecoder extends ByteToMessageDecoder {

    private final MessageCodec codec;
    private boolean failed;
    /** The largest frame accepted now: the handshake bound until {@link #authenticated()}, then the codec's. */
    private int maxFrameBytes;

    /** A decoder accepting frames up to the codec's {@code maxFrameBytes} from the start (a client's). */
    public FrameDecoder(MessageCodec codec) {
        this(codec, codec.limits().maxFrameBytes());
    }

    private FrameDecoder(MessageCodec codec, int maxFrameBytes) {
        this.codec = codec;
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * A server's decoder: frames up to {@link Protocol#MAX_HANDSHAKE_FRAME_BYTES} (HELLO, AUTH) until the
     * connection has authenticated and its session calls {@link #authenticated()}.
     */
    public static FrameDecoder forHandshake(MessageCodec codec) {
        return new FrameDecoder(codec, Math.min(Protocol.MAX_HANDSHAKE_FRAME_BYTES, codec.limits().maxFrameBytes()));
    }

    /** The peer has authenticated: from the next frame on, frames up to the codec's {@code maxFrameBytes} are read. */
    public void authenticated() {
        maxFrameBytes = codec.limits().maxFrameBytes();
    }

    /** The largest frame this decoder accepts now. */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** Bytes received and not yet decoded: the part of a frame still waiting for the rest of it. */
    public int bufferedBytes() {
        return actualReadableBytes();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < Protocol.LENGTH_FIELD_BYTES) {
            return;
        }
        long length = in.getUnsignedInt(in.readerIndex());
        int max = maxFrameBytes;
        if (length > max || length < 1) {
            failed = true;
            in.skipBytes(in.readableBytes());
            if (length < 1) {
                throw new CorruptFrameException("frame length " + length + " (expected: >= 1)");
            }
            throw new FrameTooLongException("frame length " + length + (max < codec.limits().maxFrameBytes()
                    ? " exceeds the handshake bound " + max + " (before authentication only HELLO and AUTH are read)"
                    : " exceeds maxFrameBytes " + max));
        }
        if (in.readableBytes() < Protocol.LENGTH_FIELD_BYTES + length) {
            return;
        }
        in.skipBytes(Protocol.LENGTH_FIELD_BYTES);
        ByteBuf frame = in.readSlice((int) length);
        try {
            out.add(codec.decode(frame));
        } catch (CorruptFrameException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }
}
