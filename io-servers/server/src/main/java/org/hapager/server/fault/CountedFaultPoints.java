package org.hapager.server.fault;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault points switched on by {@code --fault}: counts REQUEST frames of all sessions (thread-safe, one atomic
 * increment per request) and answers the configured {@link FaultPoint} for the Nth; counts the group committer's
 * forces the same way and fails the Nth for {@code fail-force@N}.
 */
final class CountedFaultPoints implements FaultPoints {

    private static final Logger log = LoggerFactory.getLogger(CountedFaultPoints.class);

    /** Request ordinal → fault point. */
    private final Map<Long, FaultPoint> byOrdinal;
    /** Ordinals of the forces that fail. */
    private final Set<Long> failingForces;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong forces = new AtomicLong();

    private CountedFaultPoints(Map<Long, FaultPoint> byOrdinal, Set<Long> failingForces) {
        this.byOrdinal = Map.copyOf(byOrdinal);
        this.failingForces = Set.copyOf(failingForces);
    }

    static CountedFaultPoints parse(List<String> specs) {
        Map<Long, FaultPoint> byOrdinal = new TreeMap<>();
        Set<Long> failingForces = new TreeSet<>();
        for (String spec : specs) {
            int at = spec.indexOf('@');
            FaultPoint point = at < 0 ? null : FaultPoint.ofSpec(spec.substring(0, at).strip());
            long ordinal = at < 0 ? -1 : parseOrdinal(spec.substring(at + 1).strip());
            if (point == null || ordinal < 1) {
                throw new IllegalArgumentException("--fault '" + spec + "' (expected: NAME@N with N >= 1 and NAME one of "
                        + Arrays.stream(FaultPoint.values()).filter(f -> f != FaultPoint.NONE).map(FaultPoint::spec)
                        .collect(Collectors.joining(", ")) + ")");
            }
            if (point == FaultPoint.FAIL_FORCE) {
                if (!failingForces.add(ordinal)) {
                    throw new IllegalArgumentException("--fault '" + spec + "' is given twice");
                }
                continue;
            }
            FaultPoint previous = byOrdinal.put(ordinal, point);
            if (previous != null) {
                throw new IllegalArgumentException("--fault '" + spec + "': request " + ordinal + " already has fault point "
                        + previous.spec() + "@" + ordinal);
            }
        }
        return new CountedFaultPoints(byOrdinal, failingForces);
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
    public void beforeForce() throws IOException {
        long force = forces.incrementAndGet();
        if (failingForces.contains(force)) {
            log.warn("test fault point {}@{}: failing this force", FaultPoint.FAIL_FORCE.spec(), force);
            throw new IOException("Input/output error (test fault point " + FaultPoint.FAIL_FORCE.spec() + "@" + force + ")");
        }
    }

    @Override
    public String describe() {
        return Stream.concat(
                new TreeMap<>(byOrdinal).entrySet().stream().map(e -> e.getValue().spec() + "@" + e.getKey()),
                new TreeSet<>(failingForces).stream().map(n -> FaultPoint.FAIL_FORCE.spec() + "@" + n))
                .collect(Collectors.joining(", "));
    }
}
