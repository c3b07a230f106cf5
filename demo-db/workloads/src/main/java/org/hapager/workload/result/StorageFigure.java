package org.hapager.workload.result;

/**
 * One figure of the storage under the database over the whole run, read from its meters: page reads,
 * reissued requests, the buffer pool's hit ratio, the longest failover stall.
 *
 * @param name  snake_case key, e.g. {@code pool_hit_ratio}, {@code reissues}, {@code failover_stall_max_s}
 * @param value the figure (a count, a ratio 0-1, or in the unit the name ends with)
 * @param label what it is, for a person
 */
public record StorageFigure(String name, double value, String label) {
}
