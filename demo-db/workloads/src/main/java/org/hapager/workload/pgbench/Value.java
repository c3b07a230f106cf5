package org.hapager.workload.pgbench;

import java.util.Objects;

/**
 * A value of a script variable or expression, as in pgbench: a 64-bit integer, a double or a boolean (no
 * NULL). Immutable. The coercions are pgbench's: a double becomes an integer by rounding to nearest (even)
 * and fails when out of range; a boolean coerces to neither number; numbers are true when not zero.
 */
public final class Value {

    /** The three kinds of value. */
    public enum Type { INT, DOUBLE, BOOLEAN }

    static final Value TRUE = new Value(Type.BOOLEAN, 1, 0);
    static final Value FALSE = new Value(Type.BOOLEAN, 0, 0);

    private final Type type;
    private final long i;
    private final double d;

    private Value(Type type, long i, double d) {
        this.type = type;
        this.i = i;
        this.d = d;
    }

    public static Value of(long v) {
        return new Value(Type.INT, v, 0);
    }

    public static Value of(double v) {
        return new Value(Type.DOUBLE, 0, v);
    }

    public static Value of(boolean v) {
        return v ? TRUE : FALSE;
    }

    public Type type() {
        return type;
    }

    public boolean isInt() {
        return type == Type.INT;
    }

    public boolean isDouble() {
        return type == Type.DOUBLE;
    }

    public boolean isBoolean() {
        return type == Type.BOOLEAN;
    }

    /** The integer; for an INT value only. */
    public long longValue() {
        if (type != Type.INT) {
            throw new IllegalStateException("not an integer: " + this);
        }
        return i;
    }

    /** The double; for a DOUBLE value only. */
    public double doubleValue() {
        if (type != Type.DOUBLE) {
            throw new IllegalStateException("not a double: " + this);
        }
        return d;
    }

    /** The boolean; for a BOOLEAN value only. */
    public boolean booleanValue() {
        if (type != Type.BOOLEAN) {
            throw new IllegalStateException("not a boolean: " + this);
        }
        return i != 0;
    }

    /** As an integer: itself, or a double rounded to nearest (pgbench's {@code rint}). */
    long toInt() {
        switch (type) {
            case INT:
                return i;
            case DOUBLE:
                double r = Math.rint(d);
                // 2^63 is exactly representable; every double below it in magnitude fits in a long
                if (Double.isNaN(r) || r >= 0x1p63 || r < -0x1p63) {
                    throw new EvalException("double to int overflow for " + d);
                }
                return (long) r;
            default:
                throw new EvalException("cannot coerce boolean to int");
        }
    }

    /** As a double: itself, or an integer converted. */
    double toDouble() {
        switch (type) {
            case INT:
                return i;
            case DOUBLE:
                return d;
            default:
                throw new EvalException("cannot coerce boolean to double");
        }
    }

    /** As a boolean: itself, or a number that is not zero. */
    boolean toBool() {
        switch (type) {
            case INT:
                return i != 0;
            case DOUBLE:
                return d != 0.0;
            default:
                return i != 0;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Value v && v.type == type && v.i == i
                && Double.doubleToLongBits(v.d) == Double.doubleToLongBits(d);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, i, d);
    }

    /** {@code 42}, {@code 3.5}, {@code true}. */
    @Override
    public String toString() {
        return switch (type) {
            case INT -> Long.toString(i);
            case DOUBLE -> Double.toString(d);
            case BOOLEAN -> i != 0 ? "true" : "false";
        };
    }
}
