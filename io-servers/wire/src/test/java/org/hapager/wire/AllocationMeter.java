package org.hapager.wire;

import java.lang.management.ManagementFactory;

/**
 * Heap bytes allocated by the calling thread ({@code com.sun.management.ThreadMXBean}), to check that
 * decoding an input allocates in proportion to its length and never to what a length field claims.
 */
final class AllocationMeter {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static {
        if (!THREADS.isThreadAllocatedMemorySupported() || !THREADS.isThreadAllocatedMemoryEnabled()) {
            throw new IllegalStateException("this JVM does not count the heap bytes each thread allocates");
        }
    }

    private AllocationMeter() {
    }

    /** Bytes the calling thread has allocated since it started. */
    static long allocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }
}
