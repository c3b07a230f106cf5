package org.hapager.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/** Seconds as {@code 60}, {@code 60s}, {@code 1.5m} or {@code 500ms}. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        double factor = 1000;
        if (v.endsWith("ms")) {
            factor = 1;
            v = v.substring(0, v.length() - 2);
        } else if (v.endsWith("s")) {
            v = v.substring(0, v.length() - 1);
        } else if (v.endsWith("m")) {
            factor = 60_000;
            v = v.substring(0, v.length() - 1);
        }
        try {
            double n = Double.parseDouble(v);
            if (!Double.isFinite(n)) {
                throw new NumberFormatException();
            }
            return Duration.ofMillis(Math.round(n * factor));
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a time (expected e.g. 60, 60s, 1.5m)");
        }
    }
}
