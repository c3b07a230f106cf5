package org.hapager.cli.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), for tests that scrape {@code /metrics}.
 *
 * <p>Checks, each failing with a {@link FormatException} that names the line: the last line ends with a line
 * feed; metric names {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, label names {@code [a-zA-Z_][a-zA-Z0-9_]*}, no label twice
 * in a sample; label values quoted with only the escapes {@code \\ \" \n}; values as Go's ParseFloat reads them
 * (decimal, {@code NaN}, {@code +Inf}, {@code -Inf}; hexadecimal floats are not accepted), an optional int64
 * timestamp and nothing after it; at most one HELP (escapes {@code \\ \n} only) and one TYPE per family, both before
 * its samples, TYPE one of counter, gauge, histogram, summary, untyped; every line of a family in one group; no
 * series (name and label set) twice; histograms: samples {@code x_bucket} with a numeric {@code le}, {@code x_sum},
 * {@code x_count}, buckets in increasing {@code le} and non-decreasing counts, a {@code +Inf} bucket equal to
 * {@code x_count}; summaries: samples {@code x} with a numeric {@code quantile} in increasing order,
 * {@code x_sum}, {@code x_count}. Samples without a TYPE form untyped families of their own name.
 */
public final class PrometheusText {

    public enum Type { COUNTER, GAUGE, HISTOGRAM, SUMMARY, UNTYPED }

    /** One sample line: its own name (with any {@code _bucket/_sum/_count} suffix), labels in line order. */
    public record Sample(String name, Map<String, String> labels, double value, OptionalLong timestamp) {
        public String label(String labelName) {
            return labels.get(labelName);
        }
    }

    /** A metric family: the name of its HELP/TYPE lines, its type ({@code UNTYPED} without TYPE), its samples. */
    public record Family(String name, Type type, String help, List<Sample> samples) {
        /** The samples called exactly {@code sampleName}, e.g. {@code x_count} of histogram {@code x}. */
        public List<Sample> samples(String sampleName) {
            return samples.stream().filter(s -> s.name().equals(sampleName)).toList();
        }
    }

    /** A violation of the format, at a line (1-based) whose text is in the message. */
    public static final class FormatException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final int line;

        FormatException(int line, String text, String problem) {
            super("line " + line + ": " + problem + ": " + text);
            this.line = line;
        }

        public int line() {
            return line;
        }
    }

    private final Map<String, Builder> families = new LinkedHashMap<>();
    private final Set<List<Object>> series = new HashSet<>();
    private Builder current;

    private PrometheusText() {
    }

    /** Families by name, in the order of the text; throws {@link FormatException} at the first violation. */
    public static Map<String, Family> parse(String exposition) {
        return new PrometheusText().run(exposition);
    }

    private Map<String, Family> run(String exposition) {
        String[] lines = exposition.split("\n", -1);
        if (!exposition.isEmpty() && !exposition.endsWith("\n")) {
            throw new FormatException(lines.length, lines[lines.length - 1], "the last line does not end with a line feed");
        }
        for (int i = 0; i < lines.length - 1; i++) {
            ExpositionLine line = new ExpositionLine(lines[i], i + 1);
            line.blanks();
            if (line.atEnd()) {
                continue;
            }
            if (line.skip('#')) {
                comment(line);
            } else {
                sample(line);
            }
        }
        if (current != null) {
            current.end();
        }
        Map<String, Family> out = new LinkedHashMap<>();
        families.forEach((name, b) -> out.put(name, new Family(name, b.type, b.help, List.copyOf(b.samples))));
        return Collections.unmodifiableMap(out);
    }

    /** A comment: HELP and TYPE lines are read, any other is ignored. */
    private void comment(ExpositionLine line) {
        line.blanks();
        String keyword = line.token();
        if (!keyword.equals("HELP") && !keyword.equals("TYPE")) {
            return;
        }
        if (line.blanks() == 0) {
            throw line.fail("expected a metric name after " + keyword);
        }
        Builder f = enter(line.metricName(false), line);
        if (!f.samples.isEmpty()) {
            throw line.fail(keyword + " for " + f.name + " after its samples");
        }
        line.blanks();
        if (keyword.equals("HELP")) {
            if (f.help != null) {
                throw line.fail("duplicate HELP for " + f.name);
            }
            f.help = line.unescape(line.rest(), false);
            return;
        }
        if (f.typed) {
            throw line.fail("duplicate TYPE for " + f.name);
        }
        String type = line.token();
        line.blanks();
        if (!line.atEnd()) {
            throw line.fail("unexpected text after the type");
        }
        f.type = switch (type) {
            case "counter" -> Type.COUNTER;
            case "gauge" -> Type.GAUGE;
            case "histogram" -> Type.HISTOGRAM;
            case "summary" -> Type.SUMMARY;
            case "untyped" -> Type.UNTYPED;
            default -> throw line.fail("unknown type '" + type + "'");
        };
        f.typed = true;
    }

    /** {@code name[{labels}] value [timestamp]}. */
    private void sample(ExpositionLine line) {
        String name = line.metricName(true);
        line.blanks();
        Map<String, String> labels = line.skip('{') ? line.labels() : Map.of();
        line.blanks();
        String valueToken = line.token();
        if (valueToken.isEmpty()) {
            throw line.fail("missing value");
        }
        double value = line.number(valueToken, "value");
        OptionalLong timestamp = OptionalLong.empty();
        if (line.blanks() > 0 && !line.atEnd()) {
            String t = line.token();
            try {
                timestamp = OptionalLong.of(Long.parseLong(t));
            } catch (NumberFormatException e) {
                throw line.fail("bad timestamp '" + t + "' (expected an int64 of milliseconds)");
            }
            line.blanks();
        }
        if (!line.atEnd()) {
            throw line.fail("unexpected text after the value");
        }
        Builder f = enter(familyOf(name), line);
        f.add(new Sample(name, Collections.unmodifiableMap(labels), value, timestamp), line);
        if (!series.add(List.of(name, new TreeMap<>(labels)))) {
            throw line.fail("duplicate series " + name + labels);
        }
    }

    /** The family a sample name belongs to: its own, or a histogram's or summary's for the suffixed names. */
    private String familyOf(String name) {
        if (families.containsKey(name)) {
            return name;
        }
        for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (name.endsWith(suffix)) {
                Builder base = families.get(name.substring(0, name.length() - suffix.length()));
                if (base != null && (base.type == Type.HISTOGRAM || (base.type == Type.SUMMARY && !suffix.equals("_bucket")))) {
                    return base.name;
                }
            }
        }
        return name;
    }

    /** The family of this line; lines of one family are contiguous, so entering another ends the current one. */
    private Builder enter(String name, ExpositionLine line) {
        Builder f = families.computeIfAbsent(name, Builder::new);
        if (f != current) {
            if (f.ended) {
                throw line.fail("lines of family " + name + " are not contiguous");
            }
            if (current != null) {
                current.end();
            }
            current = f;
        }
        return f;
    }

    /** A family being read, with the state its histogram and summary rules need. */
    private static final class Builder {
        final String name;
        Type type = Type.UNTYPED;
        boolean typed;
        boolean ended;
        String help;
        final List<Sample> samples = new ArrayList<>();
        int lastLine;
        String lastText;
        /** Per series (labels without le or quantile): the last bound and bucket count seen. */
        final Map<Map<String, String>, double[]> last = new HashMap<>();
        final Map<Map<String, String>, Double> counts = new HashMap<>();

        Builder(String name) {
            this.name = name;
        }

        void add(Sample s, ExpositionLine line) {
            String suffix = s.name().substring(name.length());
            String bound = type == Type.HISTOGRAM ? "le" : type == Type.SUMMARY ? "quantile" : null;
            boolean bounded = type == Type.HISTOGRAM ? suffix.equals("_bucket") : type == Type.SUMMARY && suffix.isEmpty();
            if (type == Type.HISTOGRAM && suffix.isEmpty()) {
                throw line.fail("histogram " + name + " has samples " + name + "_bucket, _sum and _count only");
            }
            if (bound != null && bounded != s.labels().containsKey(bound)) {
                throw line.fail(bounded ? s.name() + " needs a " + bound + " label" : s.name() + " has a " + bound + " label");
            }
            Map<String, String> key = new TreeMap<>(s.labels());
            if (bounded) {
                double b = line.number(key.remove(bound), bound);
                double[] prev = last.get(key);
                if (prev != null && !(b > prev[0])) {
                    throw line.fail(bound + " values of " + s.name() + key + " are not increasing");
                }
                if (type == Type.HISTOGRAM && prev != null && s.value() < prev[1]) {
                    throw line.fail("bucket counts of " + s.name() + key + " decrease");
                }
                last.put(key, new double[] {b, s.value()});
            } else if (suffix.equals("_count")) {
                counts.put(key, s.value());
            }
            samples.add(s);
            lastLine = line.number;
            lastText = line.text;
        }

        void end() {
            ended = true;
            if (type != Type.HISTOGRAM) {
                return;
            }
            Set<Map<String, String>> keys = new HashSet<>(last.keySet());
            keys.addAll(counts.keySet());
            for (Map<String, String> key : keys) {
                double[] top = last.get(key);
                Double count = counts.get(key);
                if (top == null || top[0] != Double.POSITIVE_INFINITY || (count != null && top[1] != count)) {
                    throw new FormatException(lastLine, lastText, "histogram " + name + key
                            + ": the le=\"+Inf\" bucket must exist and equal " + name + "_count");
                }
            }
        }
    }
}
