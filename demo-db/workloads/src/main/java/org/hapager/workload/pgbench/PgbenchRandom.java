package org.hapager.workload.pgbench;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The random functions of pgbench scripts, on a {@link SplittableRandom}: integers in {@code [lb, ub]}
 * (both included) drawn uniformly, or with pgbench's exponential, Gaussian or Zipfian distributions. The
 * {@code check*} methods reject what pgbench rejects, with its wording; the draws assume they passed.
 *
 * <ul>
 *   <li><b>exponential</b> (parameter &gt; 0), pgbench's formula: with {@code u} uniform in (0, 1] and
 *   {@code cut = exp(-parameter)}, {@code r = -ln(cut + (1 - cut) u) / parameter} lies in [0, 1) and the
 *   value is {@code lb + floor((ub - lb + 1) r)}: value {@code lb + k} has probability
 *   {@code (exp(-p k / n) - exp(-p (k + 1) / n)) / (1 - exp(-p))}, n the size of the range.</li>
 *   <li><b>Gaussian</b> (parameter &ge; 2), pgbench's formula: a standard normal {@code z} by Box-Muller
 *   (from two uniforms in (0, 1]), drawn again until {@code -parameter <= z < parameter}, then
 *   {@code r = (z + parameter) / (2 parameter)} and the value is {@code lb + floor((ub - lb + 1) r)}.</li>
 *   <li><b>Zipfian</b> (parameter s in [1.001, 1000]): value {@code lb + k - 1} with probability proportional
 *   to {@code k^-s}, k in 1..n, drawn by rejection-inversion (W. Hörmann, G. Derflinger, "Rejection-inversion
 *   to generate variates from monotone discrete distributions", ACM TOMACS 6(3), 1996), which needs no table
 *   and O(1) expected time for any n. pgbench 13+ draws the same distribution with Devroye's rejection method
 *   ("Non-Uniform Random Variate Generation", 1986, p. 550-551), so values agree in distribution, not one by
 *   one; pgbench restricts the parameter to [1.001, 1000] because of that method, and so do we, to accept
 *   the same scripts.</li>
 * </ul>
 */
public final class PgbenchRandom {

    /** pgbench's bounds: {@code MIN_GAUSSIAN_PARAM}, {@code MIN_ZIPFIAN_PARAM}, {@code MAX_ZIPFIAN_PARAM}. */
    public static final double MIN_GAUSSIAN_PARAM = 2.0;
    public static final double MIN_ZIPFIAN_PARAM = 1.001;
    public static final double MAX_ZIPFIAN_PARAM = 1000.0;

    private PgbenchRandom() {
    }

    /** Rejects an empty range and one of 2^63 values or more, as pgbench does. */
    static void checkRange(String function, long lb, long ub) {
        if (lb > ub) {
            throw new EvalException("empty range given to " + function + ": " + lb + " > " + ub);
        }
        long span = ub - lb;
        if (span < 0 || span == Long.MAX_VALUE) {
            throw new EvalException("range given to " + function + " is too large: [" + lb + ", " + ub + "]");
        }
    }

    /** Rejects a parameter out of the function's range (pgbench's messages). */
    static void checkParameter(String function, double p) {
        switch (function) {
            case "random_exponential" -> {
                if (!(p > 0.0)) {
                    throw new EvalException("exponential parameter must be greater than zero (not " + fmt(p) + ")");
                }
            }
            case "random_gaussian" -> {
                if (!(p >= MIN_GAUSSIAN_PARAM)) {
                    throw new EvalException("gaussian parameter must be at least 2.0 (not " + fmt(p) + ")");
                }
            }
            case "random_zipfian" -> {
                if (!(p >= MIN_ZIPFIAN_PARAM && p <= MAX_ZIPFIAN_PARAM)) {
                    throw new EvalException("zipfian parameter must be in range [1.001, 1000] (not " + fmt(p) + ")");
                }
            }
            default -> throw new IllegalArgumentException(function);
        }
    }

    private static String fmt(double p) {
        return String.format(Locale.ROOT, "%f", p);
    }

    /** Uniform in [lb, ub]. */
    public static long uniform(SplittableRandom r, long lb, long ub) {
        return lb + r.nextLong(ub - lb + 1);
    }

    /** Exponential in [lb, ub], parameter &gt; 0. */
    public static long exponential(SplittableRandom r, long lb, long ub, double parameter) {
        double cut = Math.exp(-parameter);
        double u = 1.0 - r.nextDouble();
        double rand = -Math.log(cut + (1.0 - cut) * u) / parameter;
        return scale(lb, ub, rand);
    }

    /** Gaussian in [lb, ub], parameter &ge; 2. */
    public static long gaussian(SplittableRandom r, long lb, long ub, double parameter) {
        double z;
        do {
            double u1 = 1.0 - r.nextDouble();
            double u2 = 1.0 - r.nextDouble();
            z = Math.sqrt(-2.0 * Math.log(u1)) * Math.sin(2.0 * Math.PI * u2);
        } while (z < -parameter || z >= parameter);
        return scale(lb, ub, (z + parameter) / (parameter * 2.0));
    }

    /** {@code lb + floor(n * rand)} for rand in [0, 1), n = ub - lb + 1, kept within the range. */
    private static long scale(long lb, long ub, double rand) {
        double n = (double) (ub - lb) + 1.0;
        long k = (long) (n * rand);
        return k > ub - lb ? ub : lb + Math.max(0, k);
    }

    /** Zipfian in [lb, ub]: {@code lb + k - 1} with probability proportional to {@code k^-s}. */
    public static long zipfian(SplittableRandom r, long lb, long ub, double s) {
        double n = (double) (ub - lb) + 1.0;
        // H(x) integrates h(x) = x^-s; inverting it maps a uniform u onto x with density ~ h
        double hX1 = bigH(1.5, s) - 1.0;
        double hN = bigH(n + 0.5, s);
        double shortcut = 2.0 - bigHInverse(bigH(2.5, s) - h(2.0, s), s);
        while (true) {
            double u = hN + r.nextDouble() * (hX1 - hN); // uniform in (hX1, hN]
            double x = bigHInverse(u, s);
            double kd = Math.floor(x + 0.5);
            kd = Math.min(Math.max(kd, 1.0), n);
            // accept k with probability h(k) / (H(k + 1/2) - H(k - 1/2)): always for k = 1, and at once
            // when x is close enough to k (the shortcut of the paper's Theorem 2)
            if (kd - x <= shortcut || u >= bigH(kd + 0.5, s) - h(kd, s)) {
                long k = (long) kd;
                return lb + k - 1;
            }
        }
    }

    private static double h(double x, double s) {
        return Math.exp(-s * Math.log(x));
    }

    /** H(x) = (x^(1-s) - 1) / (1 - s), computed stably as expm1((1-s) ln x) / (1-s). */
    private static double bigH(double x, double s) {
        double logX = Math.log(x);
        return expm1OverX((1.0 - s) * logX) * logX;
    }

    /** The inverse of H: exp(log1p(t) / (1 - s)) with t = y (1 - s), kept &ge; -1 against rounding. */
    private static double bigHInverse(double y, double s) {
        double t = Math.max(-1.0, y * (1.0 - s));
        return Math.exp(log1pOverX(t) * y);
    }

    /** log(1 + x) / x, by its Taylor series near 0. */
    private static double log1pOverX(double x) {
        return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - x * 0.25));
    }

    /** (exp(x) - 1) / x, by its Taylor series near 0. */
    private static double expm1OverX(double x) {
        return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + x * 0.25));
    }
}
