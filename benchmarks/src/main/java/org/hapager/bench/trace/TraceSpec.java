package org.hapager.bench.trace;

/**
 * The mix of a generated trace: point accesses drawn from a Zipf distribution over a random permutation of
 * the pages, interleaved with sequential scans.
 *
 * <p>Generation, step by step (all draws from one {@link java.util.SplittableRandom} seeded with {@code seed}):
 * <ol>
 *   <li>Shuffle the page ids {@code 0 .. pages-1} (Fisher–Yates): the page at rank {@code k} of the Zipf
 *       distribution is {@code permutation[k-1]}, so popularity has nothing to do with page order.</li>
 *   <li>Outside a scan, each access is a Zipf access: rank {@code k} with probability proportional to
 *       {@code 1 / k^zipfExponent}. After each such access, a scan starts with probability
 *       {@code scanStartProbability}.</li>
 *   <li>A scan reads {@code L} consecutive pages, {@code L} uniform in {@code [scanMinPages, scanMaxPages]},
 *       from a uniformly random start page, wrapping at the last page. While a scan runs, each access is the
 *       scan's next page with probability {@code scanInterleave}, else a Zipf access (a scan query running
 *       beside the point lookups).</li>
 * </ol>
 * With the defaults a scan covers 1–5 % of the pages (3,000 on average), occupies about 6,000 accesses
 * (half of them its own), and the next one starts about 9,000 Zipf accesses later: about 20 % of all
 * accesses are scan accesses.
 *
 * @param pages                number of distinct pages
 * @param accesses             length of the trace
 * @param zipfExponent         skew of the point accesses (0.99: the YCSB default)
 * @param scanMinPages         shortest scan, in pages
 * @param scanMaxPages         longest scan, in pages
 * @param scanInterleave       probability that an access during a scan is the scan's (not a Zipf access)
 * @param scanStartProbability probability that a scan starts after a Zipf access outside a scan
 * @param seed                 seed of every random draw
 */
public record TraceSpec(int pages, int accesses, double zipfExponent, int scanMinPages, int scanMaxPages,
                        double scanInterleave, double scanStartProbability, long seed) {

    /** 100,000 pages, 2,000,000 accesses, Zipf(0.99), scans of 1–5 % of the pages, about 20 % scan accesses. */
    public static TraceSpec defaults(long seed) {
        return new TraceSpec(100_000, 2_000_000, 0.99, 1_000, 5_000, 0.5, 1.0 / 9_000, seed);
    }

    public TraceSpec {
        if (pages < 1) {
            throw new IllegalArgumentException("pages : " + pages + " (expected: >= 1)");
        }
        if (accesses < 0) {
            throw new IllegalArgumentException("accesses : " + accesses + " (expected: >= 0)");
        }
        if (!(zipfExponent >= 0)) {
            throw new IllegalArgumentException("zipfExponent : " + zipfExponent + " (expected: >= 0)");
        }
        if (scanMinPages < 1 || scanMaxPages < scanMinPages || scanMaxPages > pages) {
            throw new IllegalArgumentException("scan pages : [" + scanMinPages + ", " + scanMaxPages
                    + "] (expected: 1 <= min <= max <= pages " + pages + ")");
        }
        if (!(scanInterleave > 0 && scanInterleave <= 1)) {
            throw new IllegalArgumentException("scanInterleave : " + scanInterleave + " (expected: in (0, 1])");
        }
        if (!(scanStartProbability >= 0 && scanStartProbability <= 1)) {
            throw new IllegalArgumentException("scanStartProbability : " + scanStartProbability + " (expected: in [0, 1])");
        }
    }

    /** The same mix with scans starting with probability {@code p} (0: no scans). */
    public TraceSpec withScanStartProbability(double p) {
        return new TraceSpec(pages, accesses, zipfExponent, scanMinPages, scanMaxPages, scanInterleave, p, seed);
    }

    /** The same mix over a different number of pages and accesses, scans scaled to the same share of the pages. */
    public TraceSpec scaledTo(int newPages, int newAccesses) {
        double f = (double) newPages / pages;
        int min = Math.max(1, (int) Math.round(scanMinPages * f));
        int max = Math.max(min, (int) Math.round(scanMaxPages * f));
        return new TraceSpec(newPages, newAccesses, zipfExponent, min, max, scanInterleave, scanStartProbability / f, seed);
    }
}
