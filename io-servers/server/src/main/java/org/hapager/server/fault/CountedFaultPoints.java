package org.hapager.server.fault;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Fault points switched on by {@code --fault}: counts REQUEST frames of all sessions (thread-safe, one atomic
 * increment per request) and answers the configured {@link FaultPoint} for the Nth.
 */
final class CountedFaultPoints implements FaultPoints {

    private final Map<Long, FaultPoint> byOrdinal;
    private final AtomicLong requests = new AtomicLong();

    private CountedFaultPoints(Map<Long, FaultPoint> byOrdinal) {
        this.byOrdinal = Map.copyOf(byOrdinal);
    }

    static CountedFaultPoints parse(List<String> specs) {
        Map<Long, FaultPoint> byOrdinal = new TreeMap<>();
        for (String spec : specs) {
            int at = spec.indexOf('@');
            FaultPoint point = at < 0 ? null : FaultPoint.ofSpec(spec.substring(0, at).strip());
            long ordinal = at < 0 ? -1 : parseOrdinal(spec.substring(at + 1).strip());
            if (point == null || ordinal < 1) {
                throw new IllegalArgumentException("--fault '" + spec + "' (expected: NAME@N with N >= 1 and NAME one of "
                        + Arrays.stream(FaultPoint.values()).filter(f -> f != FaultPoint.NONE).map(FaultPoint::spec)
                        .collect(Collectors.joining(", ")) + ")");
            }
            FaultPoint previous = byOrdinal.put(ordinal, point);
            if (previous != null) {
                throw new IllegalArgumentException("--fault '" + spec + "': request " + ordinal + " already has fault point "
                        + previous.spec() + "@" + ordinal);
            }
        }
        return new CountedFaultPoints(byOrdinal);
    }

    private static long parseOrdinal(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public FaultPoint onRequest() {
        return byOrdinal.getOrDefault(requests.incrementAndGet(), FaultPoint.NONE);
    }

    @Override
    public String describe() {
        return new TreeMap<>(byOrdinal).entrySet().stream().map(e -> e.getValue().spec() + "@" + e.getKey())
                .collect(Collectors.joining(", "));
    }
}
