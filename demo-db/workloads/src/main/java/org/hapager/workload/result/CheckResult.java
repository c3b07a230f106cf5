package org.hapager.workload.result;

/**
 * A check run on the database after the workload, e.g. TPC-C's consistency condition 2.
 *
 * @param name   what was checked, e.g. {@code condition 2: D_NEXT_O_ID - 1 = max(O_ID) = max(NO_O_ID)}
 * @param passed it held
 * @param detail why it did not (violations, or the error that kept it from running); empty if it held
 */
public record CheckResult(String name, boolean passed, String detail) {
}
