package org.hapager.workload.tpcc.checks;

/**
 * One broken consistency condition, and where.
 *
 * @param condition 1 to 4, as numbered in TPC-C clause 3.3.2
 * @param warehouse the warehouse (W_ID)
 * @param district  the district (D_ID), or 0 for condition 1, which is per warehouse
 * @param detail    what was found, with the values on each side
 */
public record Violation(int condition, int warehouse, int district, String detail) {

    @Override
    public String toString() {
        return "consistency condition " + condition + " violated at warehouse " + warehouse
                + (district == 0 ? "" : " district " + district) + ": " + detail;
    }
}
