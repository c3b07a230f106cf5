package org.hapager.workload.driver;

import java.util.Locale;

/** A minimal JSON writer: objects, arrays, strings (escaped), numbers, booleans, null. Commas are automatic. */
public final class Json {

    private final StringBuilder out = new StringBuilder();
    private boolean needComma;

    public Json beginObject() {
        comma();
        out.append('{');
        needComma = false;
        return this;
    }

    public Json endObject() {
        out.append('}');
        needComma = true;
        return this;
    }

    public Json beginArray() {
        comma();
        out.append('[');
        needComma = false;
        return this;
    }

    public Json endArray() {
        out.append(']');
        needComma = true;
        return this;
    }

    /** A member name; the value follows. */
    public Json name(String name) {
        comma();
        string(name);
        out.append(':');
        needComma = false;
        return this;
    }

    public Json value(String s) {
        comma();
        if (s == null) {
            out.append("null");
        } else {
            string(s);
        }
        needComma = true;
        return this;
    }

    public Json value(long n) {
        comma();
        out.append(n);
        needComma = true;
        return this;
    }

    /** A finite double with at most 3 decimals; NaN and infinities become null. */
    public Json value(double d) {
        comma();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            out.append("null");
        } else {
            String s = String.format(Locale.ROOT, "%.3f", d);
            s = s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
            out.append(s.equals("-0") ? "0" : s);
        }
        needComma = true;
        return this;
    }

    public Json value(boolean b) {
        comma();
        out.append(b);
        needComma = true;
        return this;
    }

    public Json field(String name, String v) {
        return name(name).value(v);
    }

    public Json field(String name, long v) {
        return name(name).value(v);
    }

    public Json field(String name, double v) {
        return name(name).value(v);
    }

    public Json field(String name, boolean v) {
        return name(name).value(v);
    }

    private void comma() {
        if (needComma) {
            out.append(',');
            needComma = false;
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
