/**
 * Replays of a trace through a cache of a given number of pages, each counting hits: plain LRU, Belady's
 * offline optimum, a plain Caffeine cache, and the real {@code BufferPool}. Every replay starts cold and
 * counts every access of the trace; all run single-threaded on the caller's thread.
 */
package org.hapager.bench.sim;
