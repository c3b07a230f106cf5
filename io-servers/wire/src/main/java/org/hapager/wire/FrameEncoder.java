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

    @Override
    protected void encode(ChannelHandlerContext ctx, Message msg, ByteBuf out) {
        codec.encodeFrame(msg, out);
    }
}
