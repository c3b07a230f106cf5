package org.hapager.wire;

/**
 * What a {@link FrameDecoder} asks before it buffers a frame larger than a handshake frame: a server bounds the
 * bytes all its connections may hold, and a frame being received holds its whole length from its length prefix
 * on. {@link #admit} returning false makes the decoder wait with what it has; the owner stops reading the
 * connection and, once there is room, calls {@link FrameDecoder#retry}. Each admitted frame is released exactly
 * once: when it has been decoded, or when the decoder is removed or fails.
 *
 * <p>Called on the channel's event loop only.
 */
public interface FrameAdmission {

    /** Admits every frame: a client's decoder, and a server's before authentication. */
    FrameAdmission ALL = new FrameAdmission() {
        @Override
        public boolean admit(int frameBytes) {
            return true;
        }

        @Override
        public void release(int frameBytes) {
        }
    };

    /** True if a frame of {@code frameBytes} may be buffered now. */
    boolean admit(int frameBytes);

    /** An admitted frame of {@code frameBytes} no longer needs its room. */
    void release(int frameBytes);
}
