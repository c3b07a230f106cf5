package org.hapager.workload.pgbench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.hapager.workload.tpcc.loader.LoadProgress;
import org.hapager.workload.tpcc.loader.LoadResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills pgbench's tables as {@code pgbench -i} does at scale n: n branches, 10 n tellers (teller t in branch
 * {@code (t - 1) / 10 + 1}), 100,000 n accounts (account a in branch {@code (a - 1) / 100000 + 1}), every
 * balance 0, the accounts' filler blank and the others' NULL, and an empty history. One connection, rows in
 * JDBC batches of {@value #BATCH} with a commit every {@value #COMMIT_EVERY} rows; the progress callback is
 * told after each batch, with the exact total.
 */
public final class PgbenchLoader {

    private static final Logger log = LoggerFactory.getLogger(PgbenchLoader.class);

    static final int BATCH = 1_000;
    /** Rows per transaction: below Derby's lock escalation threshold of 5,000 row locks. */
    static final int COMMIT_EVERY = 4_000;

    private final int scale;
    private final LoadProgress progress;
    private final long total;
    private long loaded;

    private PgbenchLoader(int scale, LoadProgress progress) {
        if (scale < 1) {
            throw new IllegalArgumentException("scale must be at least 1: " + scale);
        }
        this.scale = scale;
        this.progress = progress;
        this.total = totalRows(scale);
    }

    /** Rows a load of {@code scale} writes. */
    public static long totalRows(int scale) {
        return (long) scale * (PgbenchSchema.BRANCHES + PgbenchSchema.TELLERS + PgbenchSchema.ACCOUNTS);
    }

    /** Loads into the existing, empty tables. */
    public static LoadResult load(DataSource ds, int scale, LoadProgress progress) throws SQLException {
        return new PgbenchLoader(scale, progress).run(ds);
    }

    /** Drops whichever pgbench tables exist, creates them, and loads them (pgbench -i). */
    public static LoadResult createAndLoad(DataSource ds, int scale, LoadProgress progress) throws SQLException {
        try (Connection c = ds.getConnection()) {
            PgbenchSchema.drop(c);
            PgbenchSchema.create(c, scale);
        }
        return load(ds, scale, progress);
    }

    private LoadResult run(DataSource ds) throws SQLException {
        long start = System.nanoTime();
        log.info("loading pgbench tables: scale {}, {} rows", scale, total);
        Map<String, Long> rows = new LinkedHashMap<>();
        try (Connection c = ds.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                rows.put("pgbench_branches", insert(c, "INSERT INTO pgbench_branches (bid, bbalance) VALUES (?, 0)",
                        (long) PgbenchSchema.BRANCHES * scale, 0));
                rows.put("pgbench_tellers", insert(c, "INSERT INTO pgbench_tellers (tid, bid, tbalance) VALUES (?, ?, 0)",
                        (long) PgbenchSchema.TELLERS * scale, PgbenchSchema.TELLERS));
                rows.put("pgbench_accounts", insert(c, "INSERT INTO pgbench_accounts (aid, bid, abalance, filler)"
                        + " VALUES (?, ?, 0, '')", (long) PgbenchSchema.ACCOUNTS * scale, PgbenchSchema.ACCOUNTS));
                rows.put("pgbench_history", 0L);
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        }
        return new LoadResult(rows, Duration.ofNanos(System.nanoTime() - start));
    }

    /** Rows with ids 1..n and, unless {@code perBranch} is 0, their branch {@code (id - 1) / perBranch + 1}. */
    private long insert(Connection c, String sql, long n, int perBranch) throws SQLException {
        boolean withBranch = perBranch > 0;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int pending = 0;
            int sinceCommit = 0;
            for (long id = 1; id <= n; id++) {
                ps.setLong(1, id);
                if (withBranch) {
                    ps.setLong(2, (id - 1) / perBranch + 1);
                }
                ps.addBatch();
                pending++;
                sinceCommit++;
                if (pending == BATCH || id == n) {
                    ps.executeBatch();
                    if (sinceCommit >= COMMIT_EVERY || id == n) {
                        c.commit();
                        sinceCommit = 0;
                    }
                    loaded += pending;
                    pending = 0;
                    progress.rowsLoaded(loaded, total);
                }
            }
        }
        return n;
    }
}
