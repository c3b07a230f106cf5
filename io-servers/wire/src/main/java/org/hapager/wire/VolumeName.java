package org.hapager.wire;

import java.nio.charset.StandardCharsets;

/**
 * A checked volume name: a relative path such as {@code db1/seg0/c10.dat} that can never leave the data
 * directory. Directories use the same rules; the empty name is the root and is only valid where
 * {@link #directory(String)} allows it.
 *
 * <p>Rejected: absolute paths, {@code .} and {@code ..} segments, empty segments ({@code a//b}, a trailing
 * {@code /}), backslashes, NUL and other control characters (C0, DEL and C1), the line and paragraph separators and
 * invisible format characters (bidi overrides, zero-width characters, U+FEFF: a name echoed in a log line or an
 * error text reads as what it is), a segment over {@value #MAX_SEGMENT_BYTES} UTF-8 bytes and a name over
 * {@value #MAX_NAME_BYTES} bytes.
 */
public final class VolumeName {

    /** Longest name in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 1024;
    /** Longest path segment in UTF-8 bytes (the common file-system limit). */
    public static final int MAX_SEGMENT_BYTES = 255;

    private VolumeName() {
    }

    /** Validates a volume (file) name; throws {@link InvalidNameException} naming the rule it breaks. */
    public static String volume(String name) {
        String problem = problem(name, false);
        if (problem != null) {
            throw new InvalidNameException(name, problem);
        }
        return name;
    }

    /** Validates a directory name; the empty string names the root of the namespace. */
    public static String directory(String name) {
        String problem = problem(name, true);
        if (problem != null) {
            throw new InvalidNameException(name, problem);
        }
        return name;
    }

    /** Returns what is wrong with a name, or null if it is valid. */
    public static String problem(String name, boolean rootAllowed) {
        if (name == null) {
            return "name is missing";
        }
        if (name.isEmpty()) {
            return rootAllowed ? null : "name is empty";
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            return "name is longer than " + MAX_NAME_BYTES + " bytes";
        }
        if (name.charAt(0) == '/') {
            return "name is absolute";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\\') {
                return "name contains a backslash";
            }
            if (Character.isISOControl(c)) {
                return "name contains control character 0x" + Integer.toHexString(c);
            }
            int type = Character.getType(c);
            if (type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
                return "name contains invisible or line-breaking character U+" + String.format("%04X", (int) c);
            }
            if (Character.isSurrogate(c) && !validSurrogatePair(name, i)) {
                return "name contains an unpaired surrogate";
            }
            if (Character.isHighSurrogate(c)) {
                i++;
            }
        }
        int start = 0;
        while (start <= name.length()) {
            int slash = name.indexOf('/', start);
            int end = slash < 0 ? name.length() : slash;
            String segment = name.substring(start, end);
            if (segment.isEmpty()) {
                return "name has an empty segment";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "name has a '" + segment + "' segment";
            }
            if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                return "name has a segment longer than " + MAX_SEGMENT_BYTES + " bytes";
            }
            if (slash < 0) {
                break;
            }
            start = slash + 1;
        }
        return null;
    }

    private static boolean validSurrogatePair(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }

    /** A name that breaks the rules; the message says which rule and quotes the name safely. */
    public static final class InvalidNameException extends IllegalArgumentException {
        private final String reason;

        public InvalidNameException(String name, String reason) {
            super("invalid volume name " + quote(name) + ": " + reason);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }

        private static String quote(String name) {
            if (name == null) {
                return "null";
            }
            StringBuilder b = new StringBuilder("\"");
            int limit = Math.min(name.length(), 120);
            for (int i = 0; i < limit; i++) {
                char c = name.charAt(i);
                if (Character.isISOControl(c) || c == '"') {
                    b.append(String.format("\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
            if (name.length() > limit) {
                b.append("…(").append(name.length()).append(" chars)");
            }
            return b.append('"').toString();
        }
    }
}
