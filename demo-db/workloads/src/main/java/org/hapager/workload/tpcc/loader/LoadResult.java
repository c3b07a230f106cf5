package org.hapager.workload.tpcc.loader;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a load wrote.
 *
 * @param rows    rows written per table (lower-case table name), in {@code TpccSchema.TABLES} order
 * @param elapsed wall time of the load
 */
public record LoadResult(Map<String, Long> rows, Duration elapsed) {

    public LoadResult {
        rows = Collections.unmodifiableMap(new LinkedHashMap<>(rows));
    }

    public long totalRows() {
        return rows.values().stream().mapToLong(Long::longValue).sum();
    }
}
