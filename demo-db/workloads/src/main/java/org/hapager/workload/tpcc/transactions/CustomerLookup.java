package org.hapager.workload.tpcc.transactions;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Payment's and Order-Status's customer: by id, or by last name (clause 2.5.2.2 / 2.6.2.2): all customers of
 * the district with that last name, sorted by C_FIRST, and the one at position ceil(n / 2).
 */
final class CustomerLookup {

    private CustomerLookup() {
    }

    /** The customer's id: {@code cId} itself when not null, else the one chosen by {@code cLast}. */
    static int resolve(TxContext tx, int w, int d, Integer cId, String cLast) throws SQLException {
        if (cId != null) {
            return cId;
        }
        PreparedStatement ps = tx.prepare("SELECT c_id FROM customer WHERE c_w_id = ? AND c_d_id = ? AND c_last = ?"
                + " ORDER BY c_first");
        ps.setInt(1, w);
        ps.setInt(2, d);
        ps.setString(3, cLast);
        List<Integer> ids = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getInt(1));
            }
        }
        if (ids.isEmpty()) {
            throw new SQLException("no customer named " + cLast + " in district " + w + "/" + d, "02000");
        }
        return ids.get((ids.size() + 1) / 2 - 1);
    }
}
