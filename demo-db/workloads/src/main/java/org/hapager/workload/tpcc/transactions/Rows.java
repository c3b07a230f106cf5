package org.hapager.workload.tpcc.transactions;

import java.sql.ResultSet;
import java.sql.SQLException;

/** Row expectations shared by the transactions: a missing row is a failure (SQLState 02000), not a retry. */
final class Rows {

    private Rows() {
    }

    /** Moves to the first row of {@code rs}, which must exist. */
    static ResultSet single(ResultSet rs, String what) throws SQLException {
        if (!rs.next()) {
            throw new SQLException("no row for " + what, "02000");
        }
        return rs;
    }

    static void expectOne(int updated, String what) throws SQLException {
        if (updated != 1) {
            throw new SQLException(updated + " rows updated for " + what + ", expected 1", "02000");
        }
    }
}
