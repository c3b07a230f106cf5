package org.hapager.workload.driver;

import java.io.StringWriter;
import java.util.Locale;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonFactory;

/**
 * The JSON of the workload results and of the report's chart data: a fluent writer over Jackson's streaming
 * generator, which places the commas, escapes the strings and refuses a malformed structure (a value where a
 * name is due, an end that closes nothing). What it adds is the results' number format: a double with at most 3
 * decimals, NaN and infinities as null. Not thread-safe: one writer per document.
 */
public final class Json {

    private static final JsonFactory FACTORY = new JsonFactory();

    private final StringWriter out = new StringWriter();
    private final JsonGenerator generator = FACTORY.createGenerator(out);

    public Json beginObject() {
        generator.writeStartObject();
        return this;
    }

    public Json endObject() {
        generator.writeEndObject();
        return this;
    }

    public Json beginArray() {
        generator.writeStartArray();
        return this;
    }

    public Json endArray() {
        generator.writeEndArray();
        return this;
    }

    /** A member name; the value follows. */
    public Json name(String name) {
        generator.writeName(name);
        return this;
    }

    public Json value(String s) {
        if (s == null) {
            generator.writeNull();
        } else {
            generator.writeString(s);
        }
        return this;
    }

    public Json value(long n) {
        generator.writeNumber(n);
        return this;
    }

    /** A finite double with at most 3 decimals; NaN and infinities become null. */
    public Json value(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            generator.writeNull();
            return this;
        }
        String s = String.format(Locale.ROOT, "%.3f", d).replaceAll("0+$", "").replaceAll("\\.$", "");
        generator.writeNumber(s.equals("-0") ? "0" : s);
        return this;
    }

    public Json value(boolean b) {
        generator.writeBoolean(b);
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

    /** The document so far (complete once every object and array is ended). */
    @Override
    public String toString() {
        generator.flush();
        return out.toString();
    }
}
