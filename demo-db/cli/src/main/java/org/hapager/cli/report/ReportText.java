package org.hapager.cli.report;

import java.util.Locale;
import org.hapager.workload.result.StorageFigure;

/** How the report writes text and numbers: escaped for HTML or for a script element, grouped, with units. */
final class ReportText {

    private ReportText() {
    }

    /** A storage figure as a person reads it: ratios in %, seconds and ms with their unit, counts grouped. */
    static String storageValue(StorageFigure f) {
        double v = f.value();
        String name = f.name() == null ? "" : f.name();
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "n/a";
        } else if (name.endsWith("_ratio")) {
            return fixed(v * 100, 2) + " %";
        } else if (name.endsWith("_ms")) {
            return fixed(v, 2) + " ms";
        } else if (name.endsWith("_s")) {
            return fixed(v, 3) + " s";
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return count((long) v);
        }
        return String.format(Locale.ROOT, "%,.3f", v);
    }

    /** JSON made safe inside a {@code <script>} element: no {@code < > &}, no JavaScript line terminators. */
    static String scriptJson(String json) {
        StringBuilder out = new StringBuilder(json.length() + 16);
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            switch (c) {
                case '<' -> out.append("\\u003c");
                case '>' -> out.append("\\u003e");
                case '&' -> out.append("\\u0026");
                case '\u2028' -> out.append("\\u2028");
                case '\u2029' -> out.append("\\u2029");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** Text for HTML content and quoted attribute values; null is empty, stray control characters become U+FFFD. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c < 0x20 && c != '\n' && c != '\r' && c != '\t' ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    static String seconds(double s) {
        return fixed(s, 1) + " s";
    }
}
