package org.hapager.bench.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TraceGeneratorTest {

    /** The default mix over 10,000 pages: scans of 100-500 pages, still about 20 % of the accesses. */
    private static final TraceSpec SMALL = TraceSpec.defaults(7).scaledTo(10_000, 400_000);

    @Test
    void sameSpecSameTrace() {
        Trace a = TraceGenerator.generate(SMALL);
        Trace b = TraceGenerator.generate(SMALL);
        assertArrayEquals(a.pages(), b.pages());
        assertEquals(a.scans(), b.scans());
        Trace c = TraceGenerator.generate(TraceSpec.defaults(8).scaledTo(10_000, 400_000));
        assertFalse(Arrays.equals(a.pages(), c.pages()), "another seed, another trace");
    }

    @Test
    void mixIsAsDocumented() {
        Trace t = TraceGenerator.generate(SMALL);
        assertEquals(400_000, t.length());
        assertEquals(100, SMALL.scanMinPages());
        assertEquals(500, SMALL.scanMaxPages());
        assertTrue(Arrays.stream(t.pages()).allMatch(p -> p >= 0 && p < 10_000));
        assertTrue(t.scanShare() > 0.15 && t.scanShare() < 0.25, "scan share " + t.scanShare());
        assertTrue(t.scans() > 50, "scans " + t.scans());

        Trace noScans = TraceGenerator.generate(SMALL.withScanStartProbability(0));
        assertEquals(0, noScans.scans());
        assertEquals(0, noScans.scanAccesses());
    }

    @Test
    void scansReadConsecutivePages() {
        // Only scans, one at a time: every access is the previous page + 1 except where a new scan starts.
        TraceSpec spec = new TraceSpec(1_000, 10_000, 0.99, 10, 10, 1.0, 1.0, 3);
        int[] p = TraceGenerator.generate(spec).pages();
        int runs = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] != (p[i - 1] + 1) % 1_000) {
                runs++;
            }
        }
        // each scan of 10 is followed by one Zipf access that starts the next: 11 accesses per cycle
        assertTrue(runs >= 2 * (p.length / 11) - 10 && runs <= 2 * (p.length / 11) + 10, "breaks " + runs);
    }

    @Test
    void zipfSamplerMatchesItsDistribution() {
        TraceGenerator.ZipfSampler zipf = new TraceGenerator.ZipfSampler(1_000, 0.99);
        SplittableRandom random = new SplittableRandom(1);
        int draws = 400_000;
        int[] counts = new int[1_001];
        for (int i = 0; i < draws; i++) {
            counts[zipf.sampleRank(random)]++;
        }
        assertEquals(0, counts[0]);
        for (int k : new int[] {1, 2, 10, 100}) {
            double expected = zipf.probability(k) * draws;
            assertEquals(expected, counts[k], 5 * Math.sqrt(expected) + 1, "rank " + k);
        }
        double sum = 0;
        for (int k = 1; k <= 1_000; k++) {
            sum += zipf.probability(k);
        }
        assertEquals(1.0, sum, 1e-9);
    }
}
