package org.hapager.workload.tpcc.driver;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * A HikariCP pool sized for a run: one connection per terminal plus one for the loader's or the checks'
 * own use, auto-commit off. Any other DataSource works as well; this is the convenient one.
 */
public final class TpccPool {

    private TpccPool() {
    }

    /** The configuration {@link #create} uses, to adjust before building the pool. */
    public static HikariConfig config(String jdbcUrl, int terminals) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(jdbcUrl);
        hc.setMaximumPoolSize(terminals + 1);
        hc.setMinimumIdle(0);
        hc.setAutoCommit(false);
        hc.setPoolName("tpcc");
        return hc;
    }

    /** A pool of {@code terminals + 1} connections to {@code jdbcUrl}; close it after the run. */
    public static HikariDataSource create(String jdbcUrl, int terminals) {
        return new HikariDataSource(config(jdbcUrl, terminals));
    }
}
