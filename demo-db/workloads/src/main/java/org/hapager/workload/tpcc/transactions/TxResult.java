package org.hapager.workload.tpcc.transactions;

import java.math.BigDecimal;

/**
 * How a transaction ended when it did not fail.
 *
 * @param outcome            committed, or rolled back as the specification asks (1 % of New-Orders)
 * @param skippedDeliveries  Delivery only: districts that had no undelivered order (clause 2.7.4.2)
 * @param orderTotal         New-Order only: the total the terminal displays (clause 2.4.2.2), else null
 */
public record TxResult(Outcome outcome, int skippedDeliveries, BigDecimal orderTotal) {

    public static final TxResult COMMITTED = new TxResult(Outcome.COMMITTED, 0, null);
    public static final TxResult EXPECTED_ROLLBACK = new TxResult(Outcome.EXPECTED_ROLLBACK, 0, null);

    /** The end of a transaction; failures are exceptions, not outcomes. */
    public enum Outcome {
        COMMITTED("committed"),
        /** New-Order with an unused item number, rolled back on purpose (clause 2.4.2.3): not an error. */
        EXPECTED_ROLLBACK("rolled_back");

        private final String tag;

        Outcome(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }
}
