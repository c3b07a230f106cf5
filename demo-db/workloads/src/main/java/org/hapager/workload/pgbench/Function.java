package org.hapager.workload.pgbench;

import java.util.Locale;
import java.util.Set;

/**
 * The functions a {@code \set} expression may call: pgbench's, except {@code debug}, {@code hash},
 * {@code hash_fnv1a}, {@code hash_murmur2} and {@code permute}. Names are case-insensitive. Result types are
 * pgbench's: {@code abs}, {@code greatest} and {@code least} give a double if an argument is a double, else
 * an integer; {@code int}, {@code mod} and the {@code random} family give integers; the others doubles.
 */
enum Function {
    ABS(1, 1), DOUBLE(1, 1), EXP(1, 1), GREATEST(1, Integer.MAX_VALUE), INT(1, 1), LEAST(1, Integer.MAX_VALUE),
    LN(1, 1), MOD(2, 2), PI(0, 0), POW(2, 2), POWER(2, 2), RANDOM(2, 2), RANDOM_EXPONENTIAL(3, 3),
    RANDOM_GAUSSIAN(3, 3), RANDOM_ZIPFIAN(3, 3), SQRT(1, 1);

    /** pgbench functions this implementation refuses, by name. */
    static final Set<String> UNSUPPORTED = Set.of("debug", "hash", "hash_fnv1a", "hash_murmur2", "permute");

    final String sqlName;
    final int minArgs;
    final int maxArgs;
    /** Draws from the client's random generator: never folded at parse time. */
    final boolean random;

    Function(int minArgs, int maxArgs) {
        this.sqlName = name().toLowerCase(Locale.ROOT);
        this.minArgs = minArgs;
        this.maxArgs = maxArgs;
        this.random = sqlName.startsWith("random");
    }

    /** The function called {@code name} (any case), or null. */
    static Function find(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (Function f : values()) {
            if (f.sqlName.equals(n)) {
                return f;
            }
        }
        return null;
    }

    /** {@code 2}, {@code 1 or more}: what {@link #minArgs}..{@link #maxArgs} says. */
    String arity() {
        if (minArgs == maxArgs) {
            return Integer.toString(minArgs);
        }
        return maxArgs == Integer.MAX_VALUE ? minArgs + " or more" : minArgs + " to " + maxArgs;
    }

    Value apply(Value[] a, Frame f) {
        switch (this) {
            case ABS:
                if (a[0].isInt()) {
                    long v = a[0].longValue();
                    if (v == Long.MIN_VALUE) {
                        throw new EvalException("bigint out of range: abs(" + v + ")");
                    }
                    return Value.of(Math.abs(v));
                }
                return Value.of(Math.abs(a[0].toDouble()));
            case DOUBLE:
                return Value.of(a[0].toDouble());
            case EXP:
                return Value.of(Math.exp(a[0].toDouble()));
            case INT:
                return Value.of(a[0].toInt());
            case GREATEST:
            case LEAST:
                return extreme(a, this == GREATEST);
            case LN:
                return Value.of(Math.log(a[0].toDouble()));
            case MOD:
                return Value.of(Expr.BinaryOp.modulo(a[0].toInt(), a[1].toInt()));
            case PI:
                return Value.of(Math.PI);
            case POW:
            case POWER:
                return Value.of(Math.pow(a[0].toDouble(), a[1].toDouble()));
            case SQRT:
                return Value.of(Math.sqrt(a[0].toDouble()));
            default:
                return Value.of(draw(a, f));
        }
    }

    private long draw(Value[] a, Frame f) {
        long lb = a[0].toInt();
        long ub = a[1].toInt();
        PgbenchRandom.checkRange(sqlName, lb, ub);
        if (this == RANDOM) {
            return PgbenchRandom.uniform(f.random, lb, ub);
        }
        double p = a[2].toDouble();
        PgbenchRandom.checkParameter(sqlName, p);
        return switch (this) {
            case RANDOM_EXPONENTIAL -> PgbenchRandom.exponential(f.random, lb, ub, p);
            case RANDOM_GAUSSIAN -> PgbenchRandom.gaussian(f.random, lb, ub, p);
            case RANDOM_ZIPFIAN -> PgbenchRandom.zipfian(f.random, lb, ub, p);
            default -> throw new IllegalStateException(name());
        };
    }

    private static Value extreme(Value[] a, boolean greatest) {
        boolean anyDouble = false;
        for (Value v : a) {
            anyDouble |= v.isDouble();
        }
        if (anyDouble) {
            double best = a[0].toDouble();
            for (int i = 1; i < a.length; i++) {
                double v = a[i].toDouble();
                best = greatest ? Math.max(best, v) : Math.min(best, v);
            }
            return Value.of(best);
        }
        long best = a[0].toInt();
        for (int i = 1; i < a.length; i++) {
            long v = a[i].toInt();
            best = greatest ? Math.max(best, v) : Math.min(best, v);
        }
        return Value.of(best);
    }
}
