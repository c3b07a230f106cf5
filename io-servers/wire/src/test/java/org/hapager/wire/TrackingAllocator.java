package org.hapager.wire;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * An unpooled allocator that remembers every buffer it made, for the fuzz targets' two buffer properties:
 * nothing is allocated in proportion to a length field (only to bytes that arrived), and everything the
 * pipeline allocated is released once the channel is closed. One per channel; not thread-safe.
 */
final class TrackingAllocator extends AbstractByteBufAllocator {

    /** Buffers made here and not seen released yet; released ones are pruned by {@link #largestCapacity}. */
    private final List<ByteBuf> live = new ArrayList<>();
    private long largestCapacity;

    TrackingAllocator() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return track(new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity));
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return track(new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity));
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    private ByteBuf track(ByteBuf buf) {
        live.add(buf);
        largestCapacity = Math.max(largestCapacity, buf.capacity());
        return buf;
    }

    /** The largest capacity of any buffer made so far, or grown to by the time of this call. */
    long largestCapacity() {
        live.removeIf(b -> b.refCnt() == 0);
        for (ByteBuf b : live) {
            largestCapacity = Math.max(largestCapacity, b.capacity());
        }
        return largestCapacity;
    }

    /** How many buffers made here are still referenced. */
    int unreleased() {
        live.removeIf(b -> b.refCnt() == 0);
        return live.size();
    }
}
