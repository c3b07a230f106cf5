package org.hapager.bufferpool;

/** How a page is fixed: many {@link #SHARED} readers, or one {@link #EXCLUSIVE} writer. */
public enum Mode {
    /** Read-only view; any number of shared fixes of a page at once. */
    SHARED,
    /** Writable view and {@link PageHandle#markDirty()}; no other fix of the page at the same time. */
    EXCLUSIVE
}
