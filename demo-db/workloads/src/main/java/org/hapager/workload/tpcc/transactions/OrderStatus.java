package org.hapager.workload.tpcc.transactions;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Order-Status (clause 2.6), read-only: a customer's balance, their latest order and its lines. The latest
 * order is found through the {@code orders_customer} index.
 */
public final class OrderStatus {

    /**
     * @param w     home warehouse
     * @param d     district, uniform in [1, 10]
     * @param cId   the customer's id (40 %), or null
     * @param cLast the customer's last name (60 %), or null
     */
    public record Input(int w, int d, Integer cId, String cLast) {
    }

    private OrderStatus() {
    }

    public static TxResult execute(TxContext tx, Input in) throws SQLException {
        return tx.retry(() -> once(tx, in));
    }

    private static TxResult once(TxContext tx, Input in) throws SQLException {
        int cId = CustomerLookup.resolve(tx, in.w(), in.d(), in.cId(), in.cLast());
        PreparedStatement ps = tx.prepare("SELECT c_balance, c_first, c_middle, c_last FROM customer"
                + " WHERE c_w_id = ? AND c_d_id = ? AND c_id = ?");
        ps.setInt(1, in.w());
        ps.setInt(2, in.d());
        ps.setInt(3, cId);
        try (ResultSet rs = ps.executeQuery()) {
            Rows.single(rs, "customer " + cId);
        }
        int oId;
        ps = tx.prepare("SELECT o_id, o_entry_d, o_carrier_id FROM orders WHERE o_w_id = ? AND o_d_id = ? AND o_c_id = ?"
                + " ORDER BY o_id DESC");
        ps.setMaxRows(1);
        ps.setInt(1, in.w());
        ps.setInt(2, in.d());
        ps.setInt(3, cId);
        try (ResultSet rs = ps.executeQuery()) {
            oId = Rows.single(rs, "an order of customer " + cId).getInt(1);
        }
        ps = tx.prepare("SELECT ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, ol_delivery_d FROM order_line"
                + " WHERE ol_w_id = ? AND ol_d_id = ? AND ol_o_id = ?");
        ps.setInt(1, in.w());
        ps.setInt(2, in.d());
        ps.setInt(3, oId);
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rs.getInt(1);
            }
        }
        tx.commit();
        return TxResult.COMMITTED;
    }
}
