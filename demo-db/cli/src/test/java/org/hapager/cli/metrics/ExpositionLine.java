package org.hapager.cli.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.hapager.cli.metrics.PrometheusText.FormatException;

/**
 * The tokens of one line of the Prometheus text format, read left to right (see {@link PrometheusText}): blanks
 * are spaces and tabs, every error is a {@link FormatException} naming this line.
 */
final class ExpositionLine {

    /** Go's ParseFloat in base 10 (hexadecimal floats are not accepted here). */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?");
    private static final Pattern INFINITY = Pattern.compile("[+-]?(inf|infinity)", Pattern.CASE_INSENSITIVE);

    final String text;
    final int number;
    private int pos;

    ExpositionLine(String text, int number) {
        this.text = text;
        this.number = number;
    }

    boolean atEnd() {
        return pos == text.length();
    }

    /** Consumes {@code c} if it is next. */
    boolean skip(char c) {
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    /** Skips spaces and tabs; returns how many. */
    int blanks() {
        int start = pos;
        while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
            pos++;
        }
        return pos - start;
    }

    /** Everything up to the next blank or the end (possibly empty). */
    String token() {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) != ' ' && text.charAt(pos) != '\t') {
            pos++;
        }
        return text.substring(start, pos);
    }

    /** The rest of the line. */
    String rest() {
        String rest = text.substring(pos);
        pos = text.length();
        return rest;
    }

    /** {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, then the end, a blank or (for {@code allowBrace}) a '{'. */
    String metricName(boolean allowBrace) {
        int start = pos;
        while (pos < text.length() && (isNameChar(text.charAt(pos), pos > start) || text.charAt(pos) == ':')) {
            pos++;
        }
        if (pos == start || (pos < text.length() && (allowBrace ? " \t{" : " \t").indexOf(text.charAt(pos)) < 0)) {
            throw fail("bad metric name");
        }
        return text.substring(start, pos);
    }

    /** After '{': {@code name="value"} pairs separated by ',' (one trailing ',' allowed), up to and with '}'. */
    Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        while (true) {
            blanks();
            if (skip('}')) {
                return labels;
            }
            String name = labelName();
            blanks();
            expect('=', "expected '=' after label " + name);
            blanks();
            expect('"', "expected '\"' to open the value of label " + name);
            int start = pos;
            boolean escaped = false;
            while (true) {
                if (pos == text.length()) {
                    throw fail("unterminated label value of " + name);
                }
                char c = text.charAt(pos++);
                if (!escaped && c == '"') {
                    break;
                }
                escaped = !escaped && c == '\\';
            }
            if (labels.put(name, unescape(text.substring(start, pos - 1), true)) != null) {
                throw fail("label " + name + " twice");
            }
            blanks();
            if (!skip(',') && !(pos < text.length() && text.charAt(pos) == '}')) {
                throw fail("expected ',' or '}' after the value of label " + name);
            }
        }
    }

    private String labelName() {
        int start = pos;
        while (pos < text.length() && isNameChar(text.charAt(pos), pos > start)) {
            pos++;
        }
        if (pos == start || (pos < text.length() && "= \t".indexOf(text.charAt(pos)) < 0)) {
            throw fail("bad label name");
        }
        return text.substring(start, pos);
    }

    private static boolean isNameChar(char c, boolean notFirst) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (notFirst && c >= '0' && c <= '9');
    }

    /** Resolves {@code \\}, {@code \n} and, in label values only, {@code \"}; any other escape is an error. */
    String unescape(String raw, boolean labelValue) {
        String where = labelValue ? " in label value" : " in HELP";
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i == raw.length()) {
                throw fail("bad escape: '\\' at the end" + where);
            }
            char next = raw.charAt(i);
            if (next == '\\' || next == 'n' || (labelValue && next == '"')) {
                out.append(next == 'n' ? '\n' : next);
            } else {
                throw fail("bad escape \\" + next + where);
            }
        }
        return out.toString();
    }

    /** A sample value or an le/quantile bound: decimal, NaN or ±Inf as Go's ParseFloat reads them. */
    double number(String token, String what) {
        if (DECIMAL.matcher(token).matches()) {
            return Double.parseDouble(token);
        }
        if (INFINITY.matcher(token).matches()) {
            return token.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (token.equalsIgnoreCase("nan")) {
            return Double.NaN;
        }
        throw fail("bad " + what + " '" + token + "'");
    }

    private void expect(char c, String problem) {
        if (!skip(c)) {
            throw fail(problem);
        }
    }

    FormatException fail(String problem) {
        return new FormatException(number, text, problem);
    }
}
