package org.hapager.wire;

/**
 * Hard bounds of the protocol. Every length read off the wire is checked against these before anything is
 * allocated for it.
 *
 * @param maxFrameBytes largest frame (type byte plus body) either side accepts
 * @param maxIoBytes    largest payload of one read or write request (page size times page count)
 */
public record WireLimits(int maxFrameBytes, int maxIoBytes) {

    /** Smallest page size a volume may be addressed with. */
    public static final int MIN_PAGE_SIZE = 512;
    /** Largest page size a volume may be addressed with. */
    public static final int MAX_PAGE_SIZE = 64 * 1024;
    /** Default page size: 4 KiB. */
    public static final int DEFAULT_PAGE_SIZE = 4096;
    /** Default largest read or write payload: 1 MiB (256 pages of 4 KiB). */
    public static final int DEFAULT_MAX_IO_BYTES = 1024 * 1024;
    /** Room for headers and per-page checksums on top of the payload. */
    static final int FRAME_OVERHEAD_BYTES = 64 * 1024;

    /** The defaults both sides use unless configured otherwise. */
    public static final WireLimits DEFAULT =
            new WireLimits(DEFAULT_MAX_IO_BYTES + FRAME_OVERHEAD_BYTES, DEFAULT_MAX_IO_BYTES);

    public WireLimits {
        if (maxIoBytes < MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("maxIoBytes : " + maxIoBytes + " (expected: >= " + MAX_PAGE_SIZE + ")");
        }
        // in long: near Integer.MAX_VALUE the int sum wraps negative and would accept any maxFrameBytes
        if (maxFrameBytes < (long) maxIoBytes + FRAME_OVERHEAD_BYTES) {
            throw new IllegalArgumentException("maxFrameBytes : " + maxFrameBytes
                    + " (expected: >= maxIoBytes + " + FRAME_OVERHEAD_BYTES + " = " + ((long) maxIoBytes + FRAME_OVERHEAD_BYTES) + ")");
        }
    }

    /** Checks a page size: a power of two from {@value #MIN_PAGE_SIZE} to {@value #MAX_PAGE_SIZE} bytes. */
    public static boolean isValidPageSize(int pageSize) {
        return pageSize >= MIN_PAGE_SIZE && pageSize <= MAX_PAGE_SIZE && Integer.bitCount(pageSize) == 1;
    }

    /** Checks a run of pages against the page-size rule and {@link #maxIoBytes}; returns null if valid. */
    public String checkRun(int pageSize, long firstPage, int pageCount) {
        if (!isValidPageSize(pageSize)) {
            return "page size " + pageSize + " (expected: a power of two from " + MIN_PAGE_SIZE + " to " + MAX_PAGE_SIZE + ")";
        }
        if (firstPage < 0) {
            return "first page " + firstPage + " (expected: >= 0)";
        }
        if (pageCount < 1 || (long) pageCount * pageSize > maxIoBytes) {
            return "page count " + pageCount + " of " + pageSize + " bytes (expected: 1 to " + (maxIoBytes / pageSize) + ")";
        }
        if (firstPage > (Long.MAX_VALUE / pageSize) - pageCount) {
            return "pages " + firstPage + "+" + pageCount + " of " + pageSize + " bytes lie beyond the largest volume offset";
        }
        return null;
    }
}
