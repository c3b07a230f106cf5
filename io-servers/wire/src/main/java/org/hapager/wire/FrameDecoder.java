package org.hapager.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
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
 * incomplete frame whose prefix it has checked), and none after a failure ({@link #bufferedBytes}). Once
 * authenticated, a frame longer than a handshake frame is first admitted by the session's {@link FrameAdmission}
 * (the server's buffer budget): until it is, the decoder keeps what it has and decodes nothing, and the session
 * reads no more of the connection.
 */
public final class FrameDecoder extends ByteToMessageDecoder {

    private final MessageCodec codec;
    private boolean failed;
    /** The largest frame accepted now: the handshake bound until {@link #authenticated()}, then the codec's. */
    private int maxFrameBytes;
    private FrameAdmission admission = FrameAdmission.ALL;
    /** The length of the frame being received if it was admitted, else 0. */
    private int admittedBytes;
    /** The admission refused the frame being received: nothing more is read until {@link #retry}. */
    private boolean refused;

    /** A decoder accepting frames up to the codec's {@code maxFrameBytes} from the start (a client's). */
    public FrameDecoder(MessageCodec codec) {
        this(codec, codec.limits().maxFrameBytes());
    }

    private FrameDecoder(MessageCodec codec, int maxFrameBytes) {
        this.codec = codec;
        this.maxFrameBytes = maxFrameBytes;
        setCumulator(this::cumulate);
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
        authenticated(FrameAdmission.ALL);
    }

    /** Like {@link #authenticated()}, with frames longer than a handshake frame admitted by {@code admission}. */
    public void authenticated(FrameAdmission admission) {
        maxFrameBytes = codec.limits().maxFrameBytes();
        this.admission = admission;
    }

    /**
     * While a frame is refused, a read that decoded nothing must not ask for more input (the base class does,
     * for channels that read on demand): the connection waits with what it has.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (refused) {
            ctx.fireChannelReadComplete();
            return;
        }
        super.channelReadComplete(ctx);
    }

    /** There may be room now for a frame {@link FrameAdmission#admit} refused: decode what has been received. */
    public void retry(ChannelHandlerContext ctx) {
        ctx.pipeline().fireChannelRead(Unpooled.EMPTY_BUFFER);
        ctx.pipeline().fireChannelReadComplete();
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
        if (admittedBytes == 0 && length > Protocol.MAX_HANDSHAKE_FRAME_BYTES) {
            if (!admission.admit((int) length)) {
                refused = true; // the session stops reading and calls retry once there is room
                return;
            }
            refused = false;
            admittedBytes = (int) length;
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
        } finally {
            releaseAdmitted();
        }
    }

    /**
     * Gathers the bytes of a frame admitted by a budget in one buffer of the frame's size, allocated outside the
     * pool and freed as soon as the frame is decoded: the budget counted the whole frame already, a buffer grown by
     * doublings would take up to twice its length, and a pool would keep the memory after a flood of frames. Any
     * other input is gathered as usual; a length field alone never makes the decoder allocate.
     */
    private ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        if (admittedBytes == 0 || admission == FrameAdmission.ALL || cumulation.writableBytes() >= in.readableBytes()) {
            return MERGE_CUMULATOR.cumulate(alloc, cumulation, in);
        }
        int frame = Protocol.LENGTH_FIELD_BYTES + admittedBytes;
        ByteBuf exact = UnpooledByteBufAllocator.DEFAULT.directBuffer(
                Math.max(frame, cumulation.readableBytes() + in.readableBytes()));
        try {
            exact.writeBytes(cumulation).writeBytes(in);
            return exact;
        } catch (RuntimeException e) {
            exact.release();
            throw e;
        } finally {
            cumulation.release();
            in.release();
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        releaseAdmitted();
    }

    private void releaseAdmitted() {
        if (admittedBytes > 0) {
            int bytes = admittedBytes;
            admittedBytes = 0;
            admission.release(bytes);
        }
    }
}
