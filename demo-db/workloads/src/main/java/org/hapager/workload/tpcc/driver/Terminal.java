package org.hapager.workload.tpcc.driver;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.hapager.workload.tpcc.transactions.Delivery;
import org.hapager.workload.tpcc.transactions.InputGenerator;
import org.hapager.workload.tpcc.transactions.NewOrder;
import org.hapager.workload.tpcc.transactions.OrderStatus;
import org.hapager.workload.tpcc.transactions.Payment;
import org.hapager.workload.tpcc.transactions.StockLevel;
import org.hapager.workload.tpcc.transactions.TransactionType;
import org.hapager.workload.tpcc.transactions.TxContext;
import org.hapager.workload.tpcc.transactions.TxResult;

/**
 * One emulated terminal: a thread with its own connection, home warehouse and district, sending the next
 * transaction of the mix as soon as the last one ended (no keying or think time) until told to stop or its
 * transaction limit is reached. A failure is counted and remembered; if the connection is then no longer
 * valid it is replaced.
 */
final class Terminal implements Runnable {

    private static final long RECONNECT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final DataSource dataSource;
    private final RunOptions options;
    private final InputGenerator inputs;
    private final Stats stats;
    private final AtomicBoolean stop;
    private Connection connection;
    private TxContext tx;
    private TransactionType current;

    Terminal(DataSource dataSource, RunOptions options, InputGenerator inputs, Stats stats, AtomicBoolean stop) {
        this.dataSource = dataSource;
        this.options = options;
        this.inputs = inputs;
        this.stats = stats;
        this.stop = stop;
    }

    @Override
    public void run() {
        long done = 0;
        try {
            while (!stop.get() && (options.transactionLimit() == 0 || done < options.transactionLimit())) {
                if (tx == null && !connect()) {
                    LockSupport.parkNanos(RECONNECT_PAUSE_NANOS);
                    continue;
                }
                current = inputs.nextType();
                long start = System.nanoTime();
                try {
                    TxResult r = execute(current);
                    stats.completed(current, r, System.nanoTime() - start);
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

    private TxResult execute(TransactionType type) throws SQLException {
        return switch (type) {
            case NEW_ORDER -> NewOrder.execute(tx, inputs.newOrder());
            case PAYMENT -> Payment.execute(tx, inputs.payment());
            case ORDER_STATUS -> OrderStatus.execute(tx, inputs.orderStatus());
            case DELIVERY -> Delivery.execute(tx, inputs.delivery());
            case STOCK_LEVEL -> StockLevel.execute(tx, inputs.stockLevel());
        };
    }

    private boolean connect() {
        try {
            connection = dataSource.getConnection();
            connection.setTransactionIsolation(options.isolation());
            tx = new TxContext(connection, options.maxAttempts(), () -> stats.retried(current));
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
        if (tx != null) {
            tx.close();
            tx = null;
        }
        if (connection != null) {
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
}
