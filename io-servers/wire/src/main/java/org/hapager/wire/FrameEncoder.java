package org.hapager.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Writes {@link Message}s as frames. Stateless, so one instance may serve every channel. */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToByteEncoder<Message> {

    private final MessageCodec codec;

    public FrameEncoder(MessageCodec codec) {
        super(Message.class);
        this.codec = codec;
    }

    /** A buffer of the frame's size (see {@link MessageCodec#frameSizeHint}), direct when the channel prefers it. */
    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Message msg, boolean preferDirect) {
        int size = codec.frameSizeHint(msg);
        return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Message msg, ByteBuf out) {
        codec.encodeFrame(msg, out);
    }
}
