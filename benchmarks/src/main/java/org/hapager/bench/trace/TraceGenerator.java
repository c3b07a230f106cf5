package org.hapager.bench.trace;

import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;

/** Makes the {@link Trace} a {@link TraceSpec} describes; the same spec gives the same trace everywhere. */
public final class TraceGenerator {

    private TraceGenerator() {
    }

    public static Trace generate(TraceSpec spec) {
        SplittableRandom random = new SplittableRandom(spec.seed());
        int[] byRank = permutation(spec.pages(), random);
        ZipfSampler zipf = new ZipfSampler(spec.pages(), spec.zipfExponent());
        int[] out = new int[spec.accesses()];
        BitSet seen = new BitSet(spec.pages());
        int scans = 0;
        long scanAccesses = 0;
        int scanNext = -1;   // next page of the running scan
        int scanLeft = 0;    // its pages still to read; 0: no scan runs
        for (int i = 0; i < out.length; i++) {
            int page;
            if (scanLeft > 0 && random.nextDouble() < spec.scanInterleave()) {
                page = scanNext;
                scanNext = scanNext + 1 == spec.pages() ? 0 : scanNext + 1;
                scanLeft--;
                scanAccesses++;
            } else {
                page = byRank[zipf.sampleRank(random) - 1];
                if (scanLeft == 0 && random.nextDouble() < spec.scanStartProbability()) {
                    scanLeft = spec.scanMinPages() + random.nextInt(spec.scanMaxPages() - spec.scanMinPages() + 1);
                    scanNext = random.nextInt(spec.pages());
                    scans++;
                }
            }
            out[i] = page;
            seen.set(page);
        }
        return new Trace(spec, out, scans, scanAccesses, seen.cardinality());
    }

    private static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        Arrays.setAll(p, i -> i);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Exact Zipf sampling by inverse CDF: a table of cumulative weights and a binary search per draw. */
    static final class ZipfSampler {

        /** cumulative[k-1] = sum of 1/j^s for j = 1..k. */
        private final double[] cumulative;

        ZipfSampler(int n, double exponent) {
            cumulative = new double[n];
            double sum = 0;
            for (int k = 1; k <= n; k++) {
                sum += 1 / Math.pow(k, exponent);
                cumulative[k - 1] = sum;
            }
        }

        /** A rank in {@code 1 .. n}. */
        int sampleRank(SplittableRandom random) {
            double u = random.nextDouble() * cumulative[cumulative.length - 1];
            int i = Arrays.binarySearch(cumulative, u);
            int index = i >= 0 ? i : -i - 1;
            return Math.min(index, cumulative.length - 1) + 1;
        }

        /** Probability of rank {@code k}. */
        double probability(int k) {
            double w = k == 1 ? cumulative[0] : cumulative[k - 1] - cumulative[k - 2];
            return w / cumulative[cumulative.length - 1];
        }
    }
}
