package org.hapager.bufferpool;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Automatic read-ahead, per volume, after Linux's readahead: the pool tells it every fix ({@link #onFix});
 * it answers with a window of pages to prefetch, or null.
 * <ul>
 *   <li><b>Detection.</b> A fix of page p right after a fix of p - 1 of the same volume extends a sequential
 *       run; any other page but p again ends it. A <em>miss</em> of p after {@value #SEQUENTIAL_FIXES}
 *       sequential fixes (p - 2, p - 1: so three consecutive pages, the last one not resident) starts a
 *       stream: the window {@code [p + 1, p + 1 + 8)} is prefetched.</li>
 *   <li><b>Trigger.</b> A window's first page is its trigger (Linux's {@code PG_readahead} async marker):
 *       when a fix reaches it, hit or miss, the next window is prefetched, right after the current one and
 *       twice as large, up to {@code min(readAheadPages, frames / 8)}. The reader so stays a window ahead of
 *       its reads without waiting for them.</li>
 *   <li><b>End.</b> A miss that is neither sequential nor inside the stream's last two windows ends the
 *       stream (random access never reads ahead). Discarding pages of a volume forgets its stream.</li>
 * </ul>
 * Guarded by the pool's lock; it touches no frame itself ({@code Loads.prefetch} does the reading).
 */
final class ReadAhead {

    /** Sequential fixes before a miss that start a stream. */
    static final int SEQUENTIAL_FIXES = 2;
    /** The first window of a stream, in pages (capped by the largest). */
    static final int INITIAL_WINDOW = 8;
    /** Volumes remembered, most recently fixed first. */
    private static final int MAX_VOLUMES = 1024;

    /** Pages {@code [first, first + pages)} to prefetch. */
    record Window(long first, int pages) {}

    /** The largest window: 0 when read-ahead is off. */
    final int maxWindow;
    private final Map<String, Stream> streams = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Stream> eldest) {
            return size() > MAX_VOLUMES;
        }
    };

    ReadAhead(BufferPoolConfig config) {
        this.maxWindow = Math.min(config.readAheadPages(), config.frameCount() / 8);
    }

    /** A fix of {@code page} of {@code volume} pinned its page; {@code missed}: it was not resident. */
    Window onFix(String volume, long page, boolean missed) {
        if (maxWindow == 0) {
            return null;
        }
        Stream s = streams.computeIfAbsent(volume, v -> new Stream());
        boolean sequential = page == s.last + 1;
        if (sequential) {
            s.run++;
        } else if (page != s.last) {
            s.run = 0;
        }
        s.last = page;
        if (s.pages > 0) {
            if (page == s.start) { // the trigger: the next window, twice as large
                return s.advance(s.start + s.pages, Math.min(2 * s.pages, maxWindow));
            }
            if (!missed || sequential || (page >= s.previousStart && page < s.start + s.pages)) {
                return null; // hits do not end a stream; a miss inside it is a page it could not read
            }
            s.pages = 0; // a random miss: the stream ends
        }
        if (missed && s.run >= SEQUENTIAL_FIXES) {
            s.previousStart = page;
            return s.advance(page + 1, Math.min(INITIAL_WINDOW, maxWindow));
        }
        return null;
    }

    /** Forgets the stream of {@code volume} (its pages were discarded). */
    void forget(String volume) {
        streams.remove(volume);
    }

    /** The sequential-access state of one volume. */
    private static final class Stream {
        /** The page last fixed. */
        long last = -2;
        /** Sequential fixes before and including {@link #last}. */
        int run;
        /** The current window: {@code [start, start + pages)}; pages 0 when there is no stream. */
        long start;
        int pages;
        /** Where the window before it began (the reader is between there and the end of the current one). */
        long previousStart;

        Window advance(long first, int size) {
            if (first > Long.MAX_VALUE - size) {
                pages = 0;
                return null;
            }
            previousStart = pages > 0 ? start : previousStart;
            start = first;
            pages = size;
            return new Window(first, size);
        }
    }
}
