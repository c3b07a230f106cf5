package org.hapager.cli.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * When to hurt the serving page server: {@code kill9@5s,sigstop@12s+3s} kills it with SIGKILL 5 s into the
 * run, and freezes the next one with SIGSTOP at 12 s (resumed 3 s later, if the fencing has not killed it).
 * Shared by {@code hapager demo} and {@code hapager page-demo}.
 */
record FaultPlan(List<Fault> faults) {

    enum Kind { KILL9, SIGSTOP, PARTITION }

    record Fault(Kind kind, long atMillis, long resumeAfterMillis) {
        @Override
        public String toString() {
            return kind.name().toLowerCase(Locale.ROOT) + "@" + seconds(atMillis)
                    + (resumeAfterMillis > 0 ? "+" + seconds(resumeAfterMillis) : "");
        }
    }

    /** The TPC-C demo's default: kill -9 at a third of the run, SIGSTOP for 3 s at two thirds. */
    static FaultPlan thirds(long durationMillis) {
        return new FaultPlan(List.of(new Fault(Kind.KILL9, durationMillis / 3, 0),
                new Fault(Kind.SIGSTOP, durationMillis * 2 / 3, 3000)));
    }

    /**
     * The default of {@code hapager demo --hosts}: a silent partition of the serving server at a third of the run,
     * SIGSTOP for 3 s at two thirds.
     */
    static FaultPlan thirdsOnHosts(long durationMillis) {
        return new FaultPlan(List.of(new Fault(Kind.PARTITION, durationMillis / 3, 0),
                new Fault(Kind.SIGSTOP, durationMillis * 2 / 3, 3000)));
    }

    /** Throws naming the first fault that does not come before {@code durationMillis}. */
    FaultPlan requireWithin(long durationMillis) {
        for (Fault f : faults) {
            if (f.atMillis() >= durationMillis) {
                throw new IllegalArgumentException("fault " + f + " comes after the end of the run ("
                        + seconds(durationMillis) + ")");
            }
        }
        return this;
    }

    @Override
    public String toString() {
        return faults.isEmpty() ? "none" : String.join(", ", faults.stream().map(Fault::toString).toList());
    }

    /** 20000 → "20s", 2500 → "2.5s". */
    /** For a person: {@code kill -9 at 20 s, SIGSTOP at 40 s}. */
    String describe() {
        return String.join(", ", faults.stream().map(f -> (switch (f.kind()) {
            case KILL9 -> "kill -9";
            case SIGSTOP -> "SIGSTOP";
            case PARTITION -> "silent partition";
        }) + " at "
                + seconds(f.atMillis()).replace("s", " s")).toList());
    }

    static String seconds(long millis) {
        return (millis % 1000 == 0 ? Long.toString(millis / 1000) : Double.toString(millis / 1000.0)) + "s";
    }

    static FaultPlan parse(String spec) {
        List<Fault> faults = new ArrayList<>();
        if (spec == null || spec.isBlank()) {
            return new FaultPlan(faults);
        }
        for (String part : spec.split(",", -1)) {
            String p = part.trim();
            int at = p.indexOf('@');
            if (at < 0) {
                throw new IllegalArgumentException("fault '" + p + "' (expected: kill9@SECONDSs, sigstop@SECONDSs[+SECONDSs]"
                        + " or partition@SECONDSs)");
            }
            Kind kind = switch (p.substring(0, at)) {
                case "kill9" -> Kind.KILL9;
                case "sigstop" -> Kind.SIGSTOP;
                case "partition" -> Kind.PARTITION;
                default -> throw new IllegalArgumentException("fault kind '" + p.substring(0, at)
                        + "' (expected: kill9, sigstop, partition)");
            };
            String when = p.substring(at + 1);
            int plus = when.indexOf('+');
            long atMillis = seconds(plus < 0 ? when : when.substring(0, plus), p);
            long resume = plus < 0 ? (kind == Kind.SIGSTOP ? 3000 : 0) : seconds(when.substring(plus + 1), p);
            faults.add(new Fault(kind, atMillis, resume));
        }
        faults.sort((a, b) -> Long.compare(a.atMillis(), b.atMillis()));
        return new FaultPlan(List.copyOf(faults));
    }

    private static long seconds(String text, String fault) {
        String t = text.endsWith("s") ? text.substring(0, text.length() - 1) : text;
        try {
            double s = Double.parseDouble(t);
            if (s < 0) {
                throw new NumberFormatException();
            }
            return (long) (s * 1000);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("time '" + text + "' in fault '" + fault + "' (expected: seconds, e.g. 5s or 2.5s)");
        }
    }
}
