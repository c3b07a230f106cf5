package org.hapager.bench.sim;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * A plain Caffeine cache (W-TinyLFU) of {@code capacity} entries, maintenance on the caller's thread:
 * {@code getIfPresent}, and {@code put} on a miss. Caffeine evicts by itself here, so its admission filter
 * decides whether a new page displaces the victim; the pool never asks it (it takes the coldest frame and
 * always keeps the page just read). Caffeine draws a little randomness of its own, so two runs can differ
 * in the last digits.
 */
public final class CaffeineReplay implements CacheReplay {

    @Override
    public String name() {
        return "caffeine";
    }

    @Override
    public long hits(int[] trace, int pages, int capacity) {
        Cache<Integer, Boolean> cache = Caffeine.newBuilder().maximumSize(capacity).executor(Runnable::run).build();
        long hits = 0;
        for (int page : trace) {
            if (cache.getIfPresent(page) != null) {
                hits++;
            } else {
                cache.put(page, Boolean.TRUE);
            }
        }
        return hits;
    }
}
