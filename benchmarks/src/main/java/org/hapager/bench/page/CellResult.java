package org.hapager.bench.page;

import java.util.Locale;

/** One measured cell: a system doing one operation at one queue depth. */
record CellResult(String system, String op, int queueDepth, long operations, double seconds,
                  double p50Micros, double p99Micros, double meanMicros) {

    static CellResult of(String system, String op, int queueDepth, LatencyRecorder recorder, double seconds) {
        return new CellResult(system, op, queueDepth, recorder.operations(), seconds,
                recorder.percentileMicros(50), recorder.percentileMicros(99), recorder.meanMicros());
    }

    double iops() {
        return operations / seconds;
    }

    String json() {
        return String.format(Locale.ROOT,
                "{\"system\":\"%s\",\"op\":\"%s\",\"queue_depth\":%d,\"operations\":%d,\"seconds\":%.3f,"
                        + "\"iops\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"mean_us\":%.1f}",
                system, op, queueDepth, operations, seconds, iops(), p50Micros, p99Micros, meanMicros);
    }

    String line() {
        return String.format(Locale.ROOT, "%-8s %-5s QD%-3d %,10.0f IOPS   p50 %8.1f µs   p99 %8.1f µs",
                system, op, queueDepth, iops(), p50Micros, p99Micros);
    }
}
