package org.hapager.workload.tpcc.transactions;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import org.hapager.workload.tpcc.TpccScale;

/**
 * Delivery (clause 2.7): for each of the warehouse's 10 districts, the oldest undelivered order is delivered:
 * its NEW_ORDER row deleted, its carrier set, its lines dated, and their total added to the customer's
 * balance. Each district is its own database transaction (clause 2.7.4 allows up to ten), retried on its
 * own; a district with no undelivered order is skipped and counted.
 *
 * <p>Run directly by the terminal, not queued (no deferred execution). Two terminals of one warehouse may
 * deliver at once: the NEW_ORDER row is deleted by its key, and if another delivery took it first (0 rows
 * deleted) the next oldest is tried, so the undelivered orders of a district stay contiguous
 * (consistency condition 3).
 */
public final class Delivery {

    /**
     * @param w         home warehouse
     * @param carrierId uniform in [1, 10]
     */
    public record Input(int w, int carrierId) {
    }

    private Delivery() {
    }

    public static TxResult execute(TxContext tx, Input in) throws SQLException {
        int skipped = 0;
        for (int d = 1; d <= TpccScale.DISTRICTS; d++) {
            int district = d;
            if (!tx.retry(() -> deliverOne(tx, in, district))) {
                skipped++;
            }
        }
        return new TxResult(TxResult.Outcome.COMMITTED, skipped, null);
    }

    /** Delivers the district's oldest undelivered order and commits; false if there was none. */
    private static boolean deliverOne(TxContext tx, Input in, int d) throws SQLException {
        int oId;
        while (true) {
            PreparedStatement ps = tx.prepare("SELECT MIN(no_o_id) FROM new_order WHERE no_w_id = ? AND no_d_id = ?");
            ps.setInt(1, in.w());
            ps.setInt(2, d);
            try (ResultSet rs = ps.executeQuery()) {
                oId = 0;
                if (rs.next()) {
                    oId = rs.getInt(1); // 0 when MIN is NULL: no undelivered order
                }
            }
            if (oId == 0) {
                tx.commit();
                return false;
            }
            ps = tx.prepare("DELETE FROM new_order WHERE no_w_id = ? AND no_d_id = ? AND no_o_id = ?");
            ps.setInt(1, in.w());
            ps.setInt(2, d);
            ps.setInt(3, oId);
            if (ps.executeUpdate() == 1) {
                break;
            }
            // another delivery took this one between our SELECT and DELETE: try the next oldest
        }
        int cId;
        PreparedStatement ps = tx.prepare("SELECT o_c_id FROM orders WHERE o_w_id = ? AND o_d_id = ? AND o_id = ?");
        ps.setInt(1, in.w());
        ps.setInt(2, d);
        ps.setInt(3, oId);
        try (ResultSet rs = ps.executeQuery()) {
            cId = Rows.single(rs, "order " + in.w() + "/" + d + "/" + oId).getInt(1);
        }
        ps = tx.prepare("UPDATE orders SET o_carrier_id = ? WHERE o_w_id = ? AND o_d_id = ? AND o_id = ?");
        ps.setInt(1, in.carrierId());
        ps.setInt(2, in.w());
        ps.setInt(3, d);
        ps.setInt(4, oId);
        Rows.expectOne(ps.executeUpdate(), "order " + in.w() + "/" + d + "/" + oId);
        ps = tx.prepare("UPDATE order_line SET ol_delivery_d = ? WHERE ol_w_id = ? AND ol_d_id = ? AND ol_o_id = ?");
        ps.setTimestamp(1, new Timestamp(System.currentTimeMillis()));
        ps.setInt(2, in.w());
        ps.setInt(3, d);
        ps.setInt(4, oId);
        ps.executeUpdate();
        BigDecimal sum;
        ps = tx.prepare("SELECT SUM(ol_amount) FROM order_line WHERE ol_w_id = ? AND ol_d_id = ? AND ol_o_id = ?");
        ps.setInt(1, in.w());
        ps.setInt(2, d);
        ps.setInt(3, oId);
        try (ResultSet rs = ps.executeQuery()) {
            sum = Rows.single(rs, "order lines of " + oId).getBigDecimal(1);
        }
        ps = tx.prepare("UPDATE customer SET c_balance = c_balance + ?, c_delivery_cnt = c_delivery_cnt + 1"
                + " WHERE c_w_id = ? AND c_d_id = ? AND c_id = ?");
        ps.setBigDecimal(1, sum == null ? BigDecimal.ZERO : sum);
        ps.setInt(2, in.w());
        ps.setInt(3, d);
        ps.setInt(4, cId);
        Rows.expectOne(ps.executeUpdate(), "customer " + cId);
        tx.commit();
        return true;
    }
}
