package org.hapager.workload.tpcc.loader;

/**
 * How the loader writes: the seed of its random data, rows per JDBC batch, rows per commit, and how many
 * warehouses it loads at once (each on its own connection).
 *
 * @param seed        the same seed and scale load the same data
 * @param batchSize   rows per {@code executeBatch} (default 500)
 * @param commitEvery rows per transaction, at least {@code batchSize} (default 4,000: below Derby's lock
 *                    escalation threshold of 5,000 row locks, so parallel loaders never take table locks)
 * @param threads     warehouses loaded in parallel (default 1)
 */
public record LoadOptions(long seed, int batchSize, int commitEvery, int threads) {

    public LoadOptions {
        if (batchSize < 1 || commitEvery < batchSize || threads < 1) {
            throw new IllegalArgumentException("need batchSize >= 1, commitEvery >= batchSize, threads >= 1");
        }
    }

    public static LoadOptions defaults() {
        return new LoadOptions(42, 500, 4_000, 1);
    }

    public LoadOptions withSeed(long s) {
        return new LoadOptions(s, batchSize, commitEvery, threads);
    }

    public LoadOptions withBatching(int batch, int commit) {
        return new LoadOptions(seed, batch, commit, threads);
    }

    public LoadOptions withThreads(int n) {
        return new LoadOptions(seed, batchSize, commitEvery, n);
    }
}
