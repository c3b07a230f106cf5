package org.hapager.workload.pgbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The distributions of the random functions against their analytic values: fixed seeds, bounded samples,
 * tolerances of several standard errors (so the tests are deterministic and far from flaky).
 */
class PgbenchRandomTest {

    private static final int N = 200_000;

    @Test
    void uniformCoversTheRangeEvenly() {
        SplittableRandom r = new SplittableRandom(1);
        long[] counts = new long[10];
        for (int i = 0; i < N; i++) {
            long v = PgbenchRandom.uniform(r, 1, 10);
            assertTrue(v >= 1 && v <= 10, "in range: " + v);
            counts[(int) v - 1]++;
        }
        for (long c : counts) {
            assertEquals(N / 10.0, c, 5 * Math.sqrt(N * 0.1 * 0.9), "each value about a tenth of the draws");
        }
        SplittableRandom big = new SplittableRandom(2);
        for (int i = 0; i < 1000; i++) {
            long v = PgbenchRandom.uniform(big, Long.MIN_VALUE + 1, -1);
            assertTrue(v > Long.MIN_VALUE && v < 0, "a range of 2^63 - 1 values: " + v);
            long w = PgbenchRandom.uniform(big, 1, Long.MAX_VALUE);
            assertTrue(w >= 1, "up to Long.MAX_VALUE: " + w);
        }
    }

    @Test
    void exponentialHasPgbenchsMeanAndShape() {
        long lb = 1;
        long ub = 100;
        double p = 5.0;
        int n = (int) (ub - lb + 1);
        // P(lb + k) = (exp(-p k / n) - exp(-p (k + 1) / n)) / (1 - exp(-p))
        double[] prob = new double[n];
        double mean = 0;
        double meanSq = 0;
        for (int k = 0; k < n; k++) {
            prob[k] = (Math.exp(-p * k / n) - Math.exp(-p * (k + 1) / n)) / (1 - Math.exp(-p));
            mean += prob[k] * (lb + k);
            meanSq += prob[k] * (lb + k) * (lb + k);
        }
        double sd = Math.sqrt(meanSq - mean * mean);
        SplittableRandom r = new SplittableRandom(3);
        double sum = 0;
        long firstValue = 0;
        for (int i = 0; i < N; i++) {
            long v = PgbenchRandom.exponential(r, lb, ub, p);
            assertTrue(v >= lb && v <= ub, "in range: " + v);
            sum += v;
            firstValue += v == lb ? 1 : 0;
        }
        assertEquals(mean, sum / N, 5 * sd / Math.sqrt(N), "mean");
        assertEquals(prob[0], (double) firstValue / N, 5 * Math.sqrt(prob[0] * (1 - prob[0]) / N), "share of lb");
        assertTrue(mean < 21 && mean > 19, "about n / p for a large p: " + mean);
    }

    @Test
    void gaussianIsCenteredAndHasPgbenchsSpread() {
        long lb = 1;
        long ub = 100;
        double p = 2.5;
        SplittableRandom r = new SplittableRandom(4);
        double sum = 0;
        long middle = 0;
        for (int i = 0; i < N; i++) {
            long v = PgbenchRandom.gaussian(r, lb, ub, p);
            assertTrue(v >= lb && v <= ub, "in range: " + v);
            sum += v;
            // z in [-1, 1) maps onto r = (z + p) / 2p in [0.3, 0.7), i.e. values 31..70
            middle += v >= 31 && v <= 70 ? 1 : 0;
        }
        assertEquals(50.5, sum / N, 0.2, "centered on the middle of the range");
        // P(-1 <= z < 1 | -p <= z < p) = (2 PHI(1) - 1) / (2 PHI(2.5) - 1)
        double phi1 = 0.8413447460685429;
        double phi25 = 0.9937903346742238;
        double expected = (2 * phi1 - 1) / (2 * phi25 - 1);
        assertEquals(expected, (double) middle / N, 5 * Math.sqrt(expected * (1 - expected) / N),
                "the middle 1/p of the range holds about 69 % of the draws");
        SplittableRandom tight = new SplittableRandom(5);
        for (int i = 0; i < 10_000; i++) {
            long v = PgbenchRandom.gaussian(tight, -3, 3, 2.0);
            assertTrue(v >= -3 && v <= 3, "in range: " + v);
        }
    }

    @Test
    void zipfianMatchesItsAnalyticProbabilities() {
        double s = 1.5;
        int n = 1000;
        double h = 0;
        for (int k = 1; k <= n; k++) {
            h += Math.pow(k, -s);
        }
        SplittableRandom r = new SplittableRandom(6);
        long[] counts = new long[n + 1];
        for (int i = 0; i < N; i++) {
            long v = PgbenchRandom.zipfian(r, 1, n, s);
            assertTrue(v >= 1 && v <= n, "in range: " + v);
            counts[(int) v]++;
        }
        for (int k = 1; k <= 5; k++) {
            double p = Math.pow(k, -s) / h;
            assertEquals(p, (double) counts[k] / N, 5 * Math.sqrt(p * (1 - p) / N), "P(" + k + ")");
        }
        double p1 = 1 / h;
        assertTrue(p1 > 0.39 && p1 < 0.395, "value 1 takes about 39 % of the draws: " + p1);
        assertEquals(Math.pow(2, s), (double) counts[1] / counts[2], 0.1, "P(1) / P(2) = 2^s");
        long tail = 0;
        double pTail = 0;
        for (int k = 101; k <= n; k++) {
            tail += counts[k];
            pTail += Math.pow(k, -s) / h;
        }
        assertEquals(pTail, (double) tail / N, 5 * Math.sqrt(pTail * (1 - pTail) / N), "P(value > 100)");
    }

    @Test
    void zipfianAtTheParameterBoundsAndOnShiftedAndHugeRanges() {
        SplittableRandom r = new SplittableRandom(7);
        long ones = 0;
        for (int i = 0; i < 10_000; i++) {
            long v = PgbenchRandom.zipfian(r, 1, 1_000_000, 1.001);
            assertTrue(v >= 1 && v <= 1_000_000, "in range: " + v);
            ones += v == 1 ? 1 : 0;
            assertEquals(1, PgbenchRandom.zipfian(r, 1, 50, 1000.0), "s = 1000: always the first value");
            long shifted = PgbenchRandom.zipfian(r, -10, -1, 2.0);
            assertTrue(shifted >= -10 && shifted <= -1, "lb + k - 1: " + shifted);
            long huge = PgbenchRandom.zipfian(r, 1, Long.MAX_VALUE - 1, 1.1);
            assertTrue(huge >= 1, "in range: " + huge);
            assertEquals(7, PgbenchRandom.zipfian(r, 7, 7, 1.5), "a single value");
        }
        // s = 1.001 over 10^6 values: P(1) = 1 / H(10^6, 1.001), about 0.069
        double h = 0;
        for (int k = 1; k <= 1_000_000; k++) {
            h += Math.pow(k, -1.001);
        }
        double p1 = 1 / h;
        assertEquals(p1, ones / 10_000.0, 5 * Math.sqrt(p1 * (1 - p1) / 10_000));
    }

    @Test
    void exponentialAndGaussianStayInRangeAtExtremeParameters() {
        SplittableRandom r = new SplittableRandom(8);
        for (int i = 0; i < 10_000; i++) {
            long tiny = PgbenchRandom.exponential(r, 5, 9, 1e-9);
            assertTrue(tiny >= 5 && tiny <= 9, "nearly uniform: " + tiny);
            assertEquals(5, PgbenchRandom.exponential(r, 5, 9, 1e6), "nearly always lb");
            long wide = PgbenchRandom.gaussian(r, Long.MIN_VALUE + 1, Long.MAX_VALUE - 1, 2.0);
            assertTrue(wide > Long.MIN_VALUE && wide < Long.MAX_VALUE, "huge range: " + wide);
            long e = PgbenchRandom.exponential(r, 0, Long.MAX_VALUE - 1, 0.5);
            assertTrue(e >= 0 && e < Long.MAX_VALUE, "huge range: " + e);
        }
    }
}
