package org.hapager.bufferpool;

/** Where a frame is in its life; see the state diagram in {@link BufferPool}. */
enum FrameState {
    /** On the free list; maps no page; its bytes mean nothing. */
    FREE,
    /** Mapped; its read is in flight; nobody may pin it; it is not a victim. */
    READING,
    /** Mapped; equals the page on the servers (as far as this pool wrote it). */
    CLEAN,
    /** Mapped; changed since its last durable write. */
    DIRTY,
    /** Mapped; its write-back is in flight; nobody may pin or change it; it is not a victim. */
    WRITING
}
