package org.hapager.workload.tpcc.transactions;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;

/**
 * Payment (clause 2.5): adds the amount to the warehouse's and the district's year-to-date, takes it from
 * the customer's balance (for a bad-credit customer also prepends the payment to C_DATA, kept to 500
 * characters), and records it in HISTORY. The warehouse and district rows are updated before they are read
 * and before the customer is looked up.
 */
public final class Payment {

    /**
     * @param w      home warehouse
     * @param d      district of the home warehouse, uniform in [1, 10]
     * @param cW     the customer's warehouse: {@code w}, or 15 % of the time another one
     * @param cD     the customer's district
     * @param cId    the customer's id (40 %), or null
     * @param cLast  the customer's last name (60 %), or null
     * @param amount uniform in [1.00, 5000.00]
     */
    public record Input(int w, int d, int cW, int cD, Integer cId, String cLast, BigDecimal amount) {
    }

    private Payment() {
    }

    public static TxResult execute(TxContext tx, Input in) throws SQLException {
        return tx.retry(() -> once(tx, in));
    }

    private static TxResult once(TxContext tx, Input in) throws SQLException {
        PreparedStatement ps = tx.prepare("UPDATE warehouse SET w_ytd = w_ytd + ? WHERE w_id = ?");
        ps.setBigDecimal(1, in.amount());
        ps.setInt(2, in.w());
        Rows.expectOne(ps.executeUpdate(), "warehouse " + in.w());
        String wName;
        ps = tx.prepare("SELECT w_name, w_street_1, w_street_2, w_city, w_state, w_zip FROM warehouse WHERE w_id = ?");
        ps.setInt(1, in.w());
        try (ResultSet rs = ps.executeQuery()) {
            wName = Rows.single(rs, "warehouse " + in.w()).getString(1);
        }
        ps = tx.prepare("UPDATE district SET d_ytd = d_ytd + ? WHERE d_w_id = ? AND d_id = ?");
        ps.setBigDecimal(1, in.amount());
        ps.setInt(2, in.w());
        ps.setInt(3, in.d());
        Rows.expectOne(ps.executeUpdate(), "district " + in.w() + "/" + in.d());
        String dName;
        ps = tx.prepare("SELECT d_name, d_street_1, d_street_2, d_city, d_state, d_zip FROM district"
                + " WHERE d_w_id = ? AND d_id = ?");
        ps.setInt(1, in.w());
        ps.setInt(2, in.d());
        try (ResultSet rs = ps.executeQuery()) {
            dName = Rows.single(rs, "district " + in.w() + "/" + in.d()).getString(1);
        }
        int cId = CustomerLookup.resolve(tx, in.cW(), in.cD(), in.cId(), in.cLast());
        String credit;
        String cData = null;
        ps = tx.prepare("SELECT c_first, c_middle, c_last, c_street_1, c_street_2, c_city, c_state, c_zip, c_phone,"
                + " c_since, c_credit, c_credit_lim, c_discount, c_balance FROM customer"
                + " WHERE c_w_id = ? AND c_d_id = ? AND c_id = ?");
        setCustomer(ps, in, cId);
        try (ResultSet rs = ps.executeQuery()) {
            credit = Rows.single(rs, "customer " + cId).getString(11);
        }
        if ("BC".equals(credit)) {
            ps = tx.prepare("SELECT c_data FROM customer WHERE c_w_id = ? AND c_d_id = ? AND c_id = ?");
            setCustomer(ps, in, cId);
            try (ResultSet rs = ps.executeQuery()) {
                cData = Rows.single(rs, "customer " + cId).getString(1);
            }
            String entry = cId + " " + in.cD() + " " + in.cW() + " " + in.d() + " " + in.w() + " "
                    + in.amount().toPlainString() + " | ";
            cData = entry + (cData == null ? "" : cData);
            if (cData.length() > 500) {
                cData = cData.substring(0, 500);
            }
            ps = tx.prepare("UPDATE customer SET c_balance = c_balance - ?, c_ytd_payment = c_ytd_payment + ?,"
                    + " c_payment_cnt = c_payment_cnt + 1, c_data = ? WHERE c_w_id = ? AND c_d_id = ? AND c_id = ?");
            ps.setBigDecimal(1, in.amount());
            ps.setBigDecimal(2, in.amount());
            ps.setString(3, cData);
            ps.setInt(4, in.cW());
            ps.setInt(5, in.cD());
            ps.setInt(6, cId);
        } else {
            ps = tx.prepare("UPDATE customer SET c_balance = c_balance - ?, c_ytd_payment = c_ytd_payment + ?,"
                    + " c_payment_cnt = c_payment_cnt + 1 WHERE c_w_id = ? AND c_d_id = ? AND c_id = ?");
            ps.setBigDecimal(1, in.amount());
            ps.setBigDecimal(2, in.amount());
            ps.setInt(3, in.cW());
            ps.setInt(4, in.cD());
            ps.setInt(5, cId);
        }
        Rows.expectOne(ps.executeUpdate(), "customer " + cId);
        ps = tx.prepare("INSERT INTO history (h_c_id, h_c_d_id, h_c_w_id, h_d_id, h_w_id, h_date, h_amount, h_data)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        ps.setInt(1, cId);
        ps.setInt(2, in.cD());
        ps.setInt(3, in.cW());
        ps.setInt(4, in.d());
        ps.setInt(5, in.w());
        ps.setTimestamp(6, new Timestamp(System.currentTimeMillis()));
        ps.setBigDecimal(7, in.amount());
        ps.setString(8, truncate(wName, 10) + "    " + truncate(dName, 10));
        ps.executeUpdate();
        tx.commit();
        return TxResult.COMMITTED;
    }

    private static void setCustomer(PreparedStatement ps, Input in, int cId) throws SQLException {
        ps.setInt(1, in.cW());
        ps.setInt(2, in.cD());
        ps.setInt(3, cId);
    }

    private static String truncate(String s, int max) {
        return s == null ? "" : s.length() <= max ? s : s.substring(0, max);
    }
}
