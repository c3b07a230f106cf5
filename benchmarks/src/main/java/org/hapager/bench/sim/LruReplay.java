package org.hapager.bench.sim;

import java.util.LinkedHashMap;
import java.util.Map;

/** Plain LRU: a {@link LinkedHashMap} in access order that drops its eldest entry when over capacity. */
public final class LruReplay implements CacheReplay {

    @Override
    public String name() {
        return "lru";
    }

    @Override
    public long hits(int[] trace, int pages, int capacity) {
        Map<Integer, Boolean> resident = new LinkedHashMap<>(capacity * 4 / 3 + 1, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, Boolean> eldest) {
                return size() > capacity;
            }
        };
        long hits = 0;
        for (int page : trace) {
            if (resident.get(page) != null) {
                hits++;
            } else {
                resident.put(page, Boolean.TRUE);
            }
        }
        return hits;
    }
}
