package org.hapager.workload.driver;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/**
 * One client thread of a run: its own connection and {@link WorkloadClient}, sending the next transaction as
 * soon as the last one ended (no think time) until told to stop or its transaction limit is reached. A
 * failure is counted and remembered; if the connection is then no longer valid it is replaced.
 */
final class Terminal implements Runnable {

    private static final long RECONNECT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final DataSource dataSource;
    private final DriverOptions options;
    private final WorkloadClient client;
    private final Stats stats;
    private final AtomicBoolean stop;
    private Connection connection;
    private int current;

    Terminal(DataSource dataSource, DriverOptions options, WorkloadClient client, Stats stats, AtomicBoolean stop) {
        this.dataSource = dataSource;
        this.options = options;
        this.client = client;
        this.stats = stats;
        this.stop = stop;
    }

    @Override
    public void run() {
        long done = 0;
        Runnable retried = () -> stats.retried(current);
        try {
            while (!stop.get() && (options.transactionLimit() == 0 || done < options.transactionLimit())) {
                if (connection == null && !connect()) {
                    LockSupport.parkNanos(RECONNECT_PAUSE_NANOS);
                    continue;
                }
                current = client.nextType();
                long start = System.nanoTime();
                try {
                    boolean committed = client.execute(connection, retried);
                    stats.completed(current, committed, System.nanoTime() - start);
                } catch (SQLException | RuntimeException e) {
                    stats.failed(current, e, System.nanoTime() - start);
                    if (valid()) {
                        rollbackQuietly();
                    } else {
                        disconnect();
                    }
                }
                done++;
            }
        } finally {
            disconnect();
        }
    }

    private boolean connect() {
        try {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(options.isolation());
            return true;
        } catch (SQLException | RuntimeException e) {
            stats.connectFailed(e);
            disconnect();
            return false;
        }
    }

    private boolean valid() {
        try {
            return !connection.isClosed() && connection.isValid(5);
        } catch (SQLException e) {
            return false;
        }
    }

    private void rollbackQuietly() {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the next transaction will find out
        }
    }

    private void disconnect() {
        if (connection == null) {
            return;
        }
        client.disconnected();
        try {
            if (!connection.isClosed() && !connection.getAutoCommit()) {
                connection.rollback();
            }
        } catch (SQLException ignored) {
            // closing anyway
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // nothing more to do with it
        }
        connection = null;
    }
}
