package org.hapager.workload.tpcc.transactions;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Stock-Level (clause 2.8), read-only: how many distinct items of the district's last 20 orders have a
 * stock below the threshold in the home warehouse.
 */
public final class StockLevel {

    /**
     * @param w         home warehouse
     * @param d         the terminal's own district (constant for a terminal)
     * @param threshold uniform in [10, 20]
     */
    public record Input(int w, int d, int threshold) {
    }

    private StockLevel() {
    }

    public static TxResult execute(TxContext tx, Input in) throws SQLException {
        return tx.retry(() -> once(tx, in));
    }

    /** Runs once and commits. */
    private static TxResult once(TxContext tx, Input in) throws SQLException {
        count(tx, in);
        tx.commit();
        return TxResult.COMMITTED;
    }

    /** The low-stock count, without committing. */
    public static int count(TxContext tx, Input in) throws SQLException {
        int next;
        PreparedStatement ps = tx.prepare("SELECT d_next_o_id FROM district WHERE d_w_id = ? AND d_id = ?");
        ps.setInt(1, in.w());
        ps.setInt(2, in.d());
        try (ResultSet rs = ps.executeQuery()) {
            next = Rows.single(rs, "district " + in.w() + "/" + in.d()).getInt(1);
        }
        ps = tx.prepare("SELECT COUNT(DISTINCT s_i_id) FROM order_line, stock"
                + " WHERE ol_w_id = ? AND ol_d_id = ? AND ol_o_id < ? AND ol_o_id >= ?"
                + " AND s_w_id = ? AND s_i_id = ol_i_id AND s_quantity < ?");
        ps.setInt(1, in.w());
        ps.setInt(2, in.d());
        ps.setInt(3, next);
        ps.setInt(4, next - 20);
        ps.setInt(5, in.w());
        ps.setInt(6, in.threshold());
        try (ResultSet rs = ps.executeQuery()) {
            return Rows.single(rs, "stock level").getInt(1);
        }
    }
}
