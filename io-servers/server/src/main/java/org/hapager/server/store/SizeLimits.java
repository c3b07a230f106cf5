package org.hapager.server.store;

/**
 * The size limits a store enforces on writes and length changes ({@code --max-volume-bytes} and
 * {@code --max-data-bytes} of the page server). {@link #NO_LIMIT} switches a limit off; {@link #NONE} is both off.
 *
 * @param maxVolumeBytes the largest length a volume may reach: a write ending past it, or a length change to more
 *                       than it (other than a shrink), is refused
 * @param maxDataBytes   the largest sum of the lengths of all volumes under the volumes root, nested directories
 *                       included; a sparse volume counts its whole length (see {@link SizeGuard})
 */
public record SizeLimits(long maxVolumeBytes, long maxDataBytes) {

    /** No limit. */
    public static final long NO_LIMIT = Long.MAX_VALUE;
    /** Neither limit: the store takes any length the file system takes. */
    public static final SizeLimits NONE = new SizeLimits(NO_LIMIT, NO_LIMIT);

    public SizeLimits {
        if (maxVolumeBytes < 0) {
            throw new IllegalArgumentException("maxVolumeBytes : " + maxVolumeBytes + " (expected: >= 0)");
        }
        if (maxDataBytes < 0) {
            throw new IllegalArgumentException("maxDataBytes : " + maxDataBytes + " (expected: >= 0)");
        }
    }

    /** Whether the sum of all volume lengths is limited, so the store has to keep count of it. */
    public boolean limitsData() {
        return maxDataBytes != NO_LIMIT;
    }

    /** "volumes up to N bytes, all volumes together up to M bytes", or "no size limits", for the log. */
    public String describe() {
        if (this.equals(NONE)) {
            return "no size limits";
        }
        return (maxVolumeBytes == NO_LIMIT ? "volumes of any size" : "volumes up to " + maxVolumeBytes + " bytes")
                + ", " + (maxDataBytes == NO_LIMIT ? "no limit on all volumes together"
                : "all volumes together up to " + maxDataBytes + " bytes");
    }
}
