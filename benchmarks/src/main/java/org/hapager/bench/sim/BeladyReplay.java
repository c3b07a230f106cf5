package org.hapager.bench.sim;

import java.util.TreeSet;

/**
 * Belady's MIN, the offline optimum for demand paging: on a miss with the cache full, evict the resident
 * page whose next use is farthest in the future (or never). Every accessed page is loaded, as in the pool
 * (no bypass). Next uses are precomputed in one backward pass; residents are ordered by next use in a
 * {@link TreeSet} of {@code nextUse * pages + page}.
 */
public final class BeladyReplay implements CacheReplay {

    @Override
    public String name() {
        return "belady";
    }

    @Override
    public long hits(int[] trace, int pages, int capacity) {
        int n = trace.length;
        int[] nextUse = new int[n];   // index of the next access to trace[i], or n for never
        int[] seenAt = new int[pages];
        java.util.Arrays.fill(seenAt, n);
        for (int i = n - 1; i >= 0; i--) {
            nextUse[i] = seenAt[trace[i]];
            seenAt[trace[i]] = i;
        }
        boolean[] resident = new boolean[pages];
        long[] keyOf = new long[pages];
        TreeSet<Long> byNextUse = new TreeSet<>();
        long hits = 0;
        for (int i = 0; i < n; i++) {
            int page = trace[i];
            if (resident[page]) {
                hits++;
                byNextUse.remove(keyOf[page]);
            } else {
                if (byNextUse.size() == capacity) {
                    long farthest = byNextUse.pollLast();
                    resident[(int) (farthest % pages)] = false;
                }
                resident[page] = true;
            }
            keyOf[page] = (long) nextUse[i] * pages + page;
            byNextUse.add(keyOf[page]);
        }
        return hits;
    }
}
