package org.hapager.wire;

/**
 * Makes a string that came off the wire safe to put into a log line or an error text. Every such string is
 * attacker-controlled: a newline in it would start what looks like a log record of its own, and a control or
 * bidirectional character could hide or reorder text on a terminal. {@link #escape} writes those characters as
 * Java escapes ({@code \n}, {@code \r}, {@code \t}, {@code \"}, {@code \\}, {@code \}{@code uXXXX}), so the
 * result is one printable line that says exactly what was received, and caps it at {@value #MAX_CHARS}
 * characters with an ellipsis.
 */
public final class WireText {

    /** Longest result, ellipsis included. */
    public static final int MAX_CHARS = 200;
    private static final String ELLIPSIS = "…";

    private WireText() {
    }

    /** The string as one printable, bounded line; {@code null} becomes {@code "null"}. */
    public static String escape(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(s.length(), MAX_CHARS) + 8);
        for (int i = 0; i < s.length(); ) {
            int codePoint = s.codePointAt(i);
            int next = i + Character.charCount(codePoint);
            String piece = escaped(codePoint);
            // the last piece may use the room an ellipsis would have needed
            if (out.length() + piece.length() > (next == s.length() ? MAX_CHARS : MAX_CHARS - ELLIPSIS.length())) {
                return out.append(ELLIPSIS).toString();
            }
            out.append(piece);
            i = next;
        }
        return out.toString();
    }

    private static String escaped(int codePoint) {
        return switch (codePoint) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            case '"' -> "\\\"";
            case '\\' -> "\\\\";
            default -> needsEscape(codePoint) ? String.format("\\u%04x", codePoint) : Character.toString(codePoint);
        };
    }

    /**
     * C0 and C1 controls, DEL, the Unicode line and paragraph separators, bidirectional formatting characters,
     * and lone surrogates (valid UTF-8 never decodes to one, but a caller's string might hold one).
     */
    private static boolean needsEscape(int c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e)
                || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f || c == 0x061c
                || (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE);
    }
}
