package org.hapager.workload.tpcc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.hapager.workload.tpcc.driver.TpccPool;

/** A fresh in-memory Derby database behind HikariCP; closing drops it. */
public final class TpccTestDb implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String name;
    private final HikariDataSource dataSource;

    public TpccTestDb(int poolSize) {
        name = "tpcc" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        HikariConfig hc = TpccPool.config("jdbc:derby:memory:" + name + ";create=true", poolSize - 1);
        hc.setPoolName(name);
        dataSource = new HikariDataSource(hc);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        dataSource.close();
        try {
            DriverManager.getConnection("jdbc:derby:memory:" + name + ";drop=true").close();
        } catch (SQLException expected) {
            // Derby reports a successful drop as SQLState 08006
        }
    }
}
