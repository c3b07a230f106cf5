package org.hapager.workload.tpcc.transactions;

/**
 * The five TPC-C transactions and their share of the mix (clause 5.2.3: at least 43 % Payment and 4 % each
 * of Order-Status, Delivery and Stock-Level; New-Order takes the rest, 45 %).
 */
public enum TransactionType {
    NEW_ORDER("new_order", 45),
    PAYMENT("payment", 43),
    ORDER_STATUS("order_status", 4),
    DELIVERY("delivery", 4),
    STOCK_LEVEL("stock_level", 4);

    private final String tag;
    private final int percent;

    TransactionType(String tag, int percent) {
        this.tag = tag;
        this.percent = percent;
    }

    /** Lower-case name for metrics tags and JSON ({@code new_order}, {@code payment}, ...). */
    public String tag() {
        return tag;
    }

    /** Share of the standard mix, in percent; the five add up to 100. */
    public int percent() {
        return percent;
    }
}
