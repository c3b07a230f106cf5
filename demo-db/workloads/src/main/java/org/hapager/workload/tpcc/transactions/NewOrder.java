package org.hapager.workload.tpcc.transactions;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import org.hapager.workload.tpcc.schema.TpccSchema;

/**
 * New-Order (clause 2.4): takes the district's next order number, inserts ORDERS and NEW_ORDER, and for
 * each line reads the item, updates its stock and inserts ORDER_LINE. An unused item number (1 % of the
 * inputs, always the last line) rolls the whole transaction back: {@link TxResult#EXPECTED_ROLLBACK}.
 *
 * <p>Lock order, to keep deadlocks rare on a locking database at READ COMMITTED: the warehouse's tax is read
 * <i>before</i> the district row is updated (Payment holds the warehouse row while it waits for a district
 * row); the district's {@code d_next_o_id} is incremented with an UPDATE before it is read (no two
 * New-Orders can read the same number); lines are processed in (supply warehouse, item) order (see
 * {@link InputGenerator#newOrder}); each stock row is changed by one UPDATE that computes the new quantity.
 */
public final class NewOrder {

    /**
     * @param w          home warehouse
     * @param d          district, uniform in [1, 10]
     * @param c          customer, {@code NURand(1023, 1, 3000)}
     * @param itemIds    per line; an unused id on the last line when {@code rollback}
     * @param supplyW    per line: the home warehouse, or 1 % of the time another one
     * @param quantities per line, uniform in [1, 10]
     * @param rollback   the input has an unused item (the transaction will roll back)
     */
    public record Input(int w, int d, int c, int[] itemIds, int[] supplyW, int[] quantities, boolean rollback) {

        public boolean allLocal() {
            for (int s : supplyW) {
                if (s != w) {
                    return false;
                }
            }
            return true;
        }
    }

    private NewOrder() {
    }

    public static TxResult execute(TxContext tx, Input in) throws SQLException {
        return tx.retry(() -> once(tx, in));
    }

    /** Clause 2.4.2.2: sum(OL_AMOUNT) * (1 - C_DISCOUNT) * (1 + W_TAX + D_TAX), to the cent. */
    static BigDecimal displayTotal(BigDecimal lines, BigDecimal discount, BigDecimal wTax, BigDecimal dTax) {
        return lines.multiply(BigDecimal.ONE.subtract(discount)).multiply(BigDecimal.ONE.add(wTax).add(dTax))
                .setScale(2, RoundingMode.HALF_UP);
    }

    private static TxResult once(TxContext tx, Input in) throws SQLException {
        BigDecimal wTax;
        PreparedStatement ps = tx.prepare("SELECT w_tax FROM warehouse WHERE w_id = ?");
        ps.setInt(1, in.w());
        try (ResultSet rs = ps.executeQuery()) {
            wTax = Rows.single(rs, "warehouse " + in.w()).getBigDecimal(1);
        }
        ps = tx.prepare("UPDATE district SET d_next_o_id = d_next_o_id + 1 WHERE d_w_id = ? AND d_id = ?");
        ps.setInt(1, in.w());
        ps.setInt(2, in.d());
        Rows.expectOne(ps.executeUpdate(), "district " + in.w() + "/" + in.d());
        BigDecimal dTax;
        int oId;
        ps = tx.prepare("SELECT d_tax, d_next_o_id FROM district WHERE d_w_id = ? AND d_id = ?");
        ps.setInt(1, in.w());
        ps.setInt(2, in.d());
        try (ResultSet rs = ps.executeQuery()) {
            Rows.single(rs, "district " + in.w() + "/" + in.d());
            dTax = rs.getBigDecimal(1);
            oId = rs.getInt(2) - 1;
        }
        BigDecimal discount;
        ps = tx.prepare("SELECT c_discount, c_last, c_credit FROM customer WHERE c_w_id = ? AND c_d_id = ? AND c_id = ?");
        ps.setInt(1, in.w());
        ps.setInt(2, in.d());
        ps.setInt(3, in.c());
        try (ResultSet rs = ps.executeQuery()) {
            discount = Rows.single(rs, "customer " + in.c()).getBigDecimal(1);
        }
        Timestamp now = new Timestamp(System.currentTimeMillis());
        int lines = in.itemIds().length;
        ps = tx.prepare("INSERT INTO orders (o_id, o_d_id, o_w_id, o_c_id, o_entry_d, o_carrier_id, o_ol_cnt,"
                + " o_all_local) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        ps.setInt(1, oId);
        ps.setInt(2, in.d());
        ps.setInt(3, in.w());
        ps.setInt(4, in.c());
        ps.setTimestamp(5, now);
        ps.setNull(6, Types.INTEGER);
        ps.setInt(7, lines);
        ps.setInt(8, in.allLocal() ? 1 : 0);
        ps.executeUpdate();
        ps = tx.prepare("INSERT INTO new_order (no_o_id, no_d_id, no_w_id) VALUES (?, ?, ?)");
        ps.setInt(1, oId);
        ps.setInt(2, in.d());
        ps.setInt(3, in.w());
        ps.executeUpdate();

        BigDecimal total = BigDecimal.ZERO;
        for (int n = 0; n < lines; n++) {
            int item = in.itemIds()[n];
            int supply = in.supplyW()[n];
            int qty = in.quantities()[n];
            BigDecimal price;
            ps = tx.prepare("SELECT i_price, i_name, i_data FROM item WHERE i_id = ?");
            ps.setInt(1, item);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    tx.rollback(); // "Item number is not valid": the specified rollback
                    return TxResult.EXPECTED_ROLLBACK;
                }
                price = rs.getBigDecimal(1);
            }
            ps = tx.prepare("UPDATE stock SET s_quantity = CASE WHEN s_quantity >= ? THEN s_quantity - ?"
                    + " ELSE s_quantity - ? + 91 END, s_ytd = s_ytd + ?, s_order_cnt = s_order_cnt + 1,"
                    + " s_remote_cnt = s_remote_cnt + ? WHERE s_w_id = ? AND s_i_id = ?");
            ps.setInt(1, qty + 10);
            ps.setInt(2, qty);
            ps.setInt(3, qty);
            ps.setInt(4, qty);
            ps.setInt(5, supply == in.w() ? 0 : 1);
            ps.setInt(6, supply);
            ps.setInt(7, item);
            Rows.expectOne(ps.executeUpdate(), "stock " + supply + "/" + item);
            String distInfo;
            ps = tx.prepare("SELECT " + TpccSchema.distColumn(in.d()) + ", s_data FROM stock"
                    + " WHERE s_w_id = ? AND s_i_id = ?");
            ps.setInt(1, supply);
            ps.setInt(2, item);
            try (ResultSet rs = ps.executeQuery()) {
                distInfo = Rows.single(rs, "stock " + supply + "/" + item).getString(1);
            }
            BigDecimal amount = price.multiply(BigDecimal.valueOf(qty));
            total = total.add(amount);
            ps = tx.prepare("INSERT INTO order_line (ol_o_id, ol_d_id, ol_w_id, ol_number, ol_i_id, ol_supply_w_id,"
                    + " ol_delivery_d, ol_quantity, ol_amount, ol_dist_info) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            ps.setInt(1, oId);
            ps.setInt(2, in.d());
            ps.setInt(3, in.w());
            ps.setInt(4, n + 1);
            ps.setInt(5, item);
            ps.setInt(6, supply);
            ps.setNull(7, Types.TIMESTAMP);
            ps.setInt(8, qty);
            ps.setBigDecimal(9, amount);
            ps.setString(10, distInfo);
            ps.executeUpdate();
        }
        tx.commit();
        return new TxResult(TxResult.Outcome.COMMITTED, 0, displayTotal(total, discount, wTax, dTax));
    }
}
