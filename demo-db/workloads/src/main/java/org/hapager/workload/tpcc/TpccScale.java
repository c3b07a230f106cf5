package org.hapager.workload.tpcc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The size of a TPC-C database. {@link #spec(int)} is the specification's (clause 4.3.3.1): per warehouse 10
 * districts, 100,000 stock rows, 3,000 customers, history rows and orders per district, 5-15 order lines per
 * order and the last 900 orders of each district undelivered (in NEW_ORDER); 100,000 items in all.
 *
 * <p>{@link #reduced(int, int)} divides the item and customer counts by a factor. <b>It is not
 * spec-compliant</b> and exists only to keep unit tests fast. The loader and the transactions read every
 * cardinality from here, so they stay consistent with each other at any scale: item ids are drawn with
 * {@code NURand(8191, 1, items)}, customer ids with {@code NURand(1023, 1, customersPerDistrict)} and last
 * names from the numbers {@code [0, lastNameMax()]}.
 *
 * @param warehouses           W, at least 1
 * @param items                rows of ITEM, and of STOCK per warehouse (spec: 100,000)
 * @param customersPerDistrict customers, history rows and initial orders per district (spec: 3,000)
 * @param newOrdersPerDistrict the last this-many orders of a district are undelivered (spec: 900)
 */
public record TpccScale(int warehouses, int items, int customersPerDistrict, int newOrdersPerDistrict) {

    /** Districts per warehouse; fixed by the specification at every scale. */
    public static final int DISTRICTS = 10;

    public TpccScale {
        if (warehouses < 1) {
            throw new IllegalArgumentException("warehouses must be at least 1, not " + warehouses);
        }
        if (items < 1 || customersPerDistrict < 1) {
            throw new IllegalArgumentException("items and customers per district must be at least 1");
        }
        if (newOrdersPerDistrict < 0 || newOrdersPerDistrict > customersPerDistrict) {
            throw new IllegalArgumentException("new orders per district must be in [0, customers per district]");
        }
    }

    /** The specification's cardinalities for {@code warehouses} warehouses. */
    public static TpccScale spec(int warehouses) {
        return new TpccScale(warehouses, 100_000, 3_000, 900);
    }

    /**
     * NOT spec-compliant, for tests only: items and customers per district divided by {@code factor}
     * (at least 10 items and 10 customers remain), undelivered orders kept at 30 % of the orders.
     */
    public static TpccScale reduced(int warehouses, int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("factor must be at least 1, not " + factor);
        }
        int customers = Math.max(10, 3_000 / factor);
        return new TpccScale(warehouses, Math.max(10, 100_000 / factor), customers, customers * 3 / 10);
    }

    /**
     * The scale of a loaded database, from its row counts: warehouses, items, and the customers of district
     * 1/1. The undelivered-orders count only matters to the loader and cannot be read back after a run; it
     * is the specification's 900 for a spec-sized database and 30 % of the orders otherwise.
     */
    public static TpccScale detect(Connection c) throws SQLException {
        int w = (int) count(c, "SELECT COUNT(*) FROM warehouse");
        int items = (int) count(c, "SELECT COUNT(*) FROM item");
        int customers = (int) count(c, "SELECT COUNT(*) FROM customer WHERE c_w_id = 1 AND c_d_id = 1");
        if (w < 1 || items < 1 || customers < 1) {
            throw new SQLException("no TPC-C database here: " + w + " warehouses, " + items + " items, "
                    + customers + " customers in district 1/1");
        }
        TpccScale spec = spec(w);
        if (items == spec.items() && customers == spec.customersPerDistrict()) {
            return spec;
        }
        return new TpccScale(w, items, customers, customers * 3 / 10);
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** True for the specification's cardinalities. */
    public boolean isSpec() {
        return equals(spec(warehouses));
    }

    /** Orders per district at load time: one per customer (spec: 3,000). */
    public int ordersPerDistrict() {
        return customersPerDistrict;
    }

    /** The first undelivered order id of each district after loading (spec: 2101). */
    public int firstNewOrderId() {
        return ordersPerDistrict() - newOrdersPerDistrict + 1;
    }

    /** The largest last-name number in use: 999, or fewer when there are fewer than 1,000 customers. */
    public int lastNameMax() {
        return Math.min(999, customersPerDistrict - 1);
    }
}
