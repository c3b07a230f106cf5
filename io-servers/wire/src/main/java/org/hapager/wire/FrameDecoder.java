package org.hapager.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the byte stream into frames and decodes each into a {@link Message}. A length prefix over
 * {@code maxFrameBytes} raises {@link FrameTooLongException} before a byte of the body is buffered; a bad
 * body raises {@link CorruptFrameException}. Either way the decoder discards all further input: the
 * handler after it logs the reason and closes the connection.
 *
 * <p>Bound: between reads the decoder holds at most {@code LENGTH_FIELD_BYTES + maxFrameBytes - 1} bytes
 * (one incomplete frame whose prefix it has checked), and none after a failure ({@link #bufferedBytes}).
 */
public final class FrameDecoder extends ByteToMessageDecoder {

    private final MessageCodec codec;
    private boolean failed;

    public FrameDecoder(MessageCodec codec) {
        this.codec = codec;
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
        int max = codec.limits().maxFrameBytes();
        if (length > max || length < 1) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw length < 1
                    ? new CorruptFrameException("frame length " + length + " (expected: >= 1)")
                    : new FrameTooLongException("frame length " + length + " exceeds maxFrameBytes " + max);
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
