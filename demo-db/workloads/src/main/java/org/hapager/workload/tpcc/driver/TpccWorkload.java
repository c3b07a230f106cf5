package org.hapager.workload.tpcc.driver;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import org.hapager.workload.driver.Workload;
import org.hapager.workload.driver.WorkloadClient;
import org.hapager.workload.tpcc.NURandConstants;
import org.hapager.workload.tpcc.TpccRandom;
import org.hapager.workload.tpcc.TpccScale;
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
 * The TPC-C mix as a {@link Workload}: client i is a terminal with home warehouse {@code i % W + 1} and
 * district {@code i / W % 10 + 1}, its inputs from {@code seed + i + 1} and the run's NURand constants.
 * New-Order is the per-minute type (tpmC).
 */
public final class TpccWorkload implements Workload {

    private static final List<String> TYPES = Arrays.stream(TransactionType.values()).map(TransactionType::tag).toList();

    private final TpccScale scale;
    private final NURandConstants constants;
    private final int maxAttempts;

    /**
     * @param maxAttempts per database transaction, first try included, before a deadlock or lock time-out
     *                    counts as a failure
     */
    public TpccWorkload(TpccScale scale, NURandConstants constants, int maxAttempts) {
        this.scale = scale;
        this.constants = constants;
        this.maxAttempts = maxAttempts;
    }

    @Override
    public String name() {
        return "tpcc";
    }

    @Override
    public List<String> types() {
        return TYPES;
    }

    @Override
    public int perMinuteType() {
        return TransactionType.NEW_ORDER.ordinal();
    }

    @Override
    public WorkloadClient client(int index, long seed) {
        int homeW = index % scale.warehouses() + 1;
        int homeD = index / scale.warehouses() % TpccScale.DISTRICTS + 1;
        return new Client(new InputGenerator(scale, new TpccRandom(seed + index + 1, constants), homeW, homeD));
    }

    /** One terminal: its inputs, and its prepared statements on the current connection. */
    private final class Client implements WorkloadClient {
        private final InputGenerator inputs;
        private TxContext tx;
        private TransactionType current;

        Client(InputGenerator inputs) {
            this.inputs = inputs;
        }

        @Override
        public int nextType() {
            current = inputs.nextType();
            return current.ordinal();
        }

        @Override
        public boolean execute(Connection connection, Runnable retried) throws SQLException {
            if (tx == null || tx.connection() != connection) {
                disconnected();
                tx = new TxContext(connection, maxAttempts, retried);
            }
            TxResult r = switch (current) {
                case NEW_ORDER -> NewOrder.execute(tx, inputs.newOrder());
                case PAYMENT -> Payment.execute(tx, inputs.payment());
                case ORDER_STATUS -> OrderStatus.execute(tx, inputs.orderStatus());
                case DELIVERY -> Delivery.execute(tx, inputs.delivery());
                case STOCK_LEVEL -> StockLevel.execute(tx, inputs.stockLevel());
            };
            return r.outcome() == TxResult.Outcome.COMMITTED;
        }

        @Override
        public void disconnected() {
            if (tx != null) {
                tx.close();
                tx = null;
            }
        }
    }
}
