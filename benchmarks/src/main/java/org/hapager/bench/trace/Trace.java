package org.hapager.bench.trace;

/**
 * A generated page-access trace.
 *
 * @param spec         what it was generated from
 * @param pages        the page of each access, in order ({@code 0 .. spec.pages()-1}); not copied: do not modify
 * @param scans        scans started
 * @param scanAccesses accesses that were a scan's
 * @param distinctPages pages accessed at least once
 */
public record Trace(TraceSpec spec, int[] pages, int scans, long scanAccesses, int distinctPages) {

    public int length() {
        return pages.length;
    }

    /** Share of the accesses that were a scan's. */
    public double scanShare() {
        return pages.length == 0 ? 0 : (double) scanAccesses / pages.length;
    }
}
