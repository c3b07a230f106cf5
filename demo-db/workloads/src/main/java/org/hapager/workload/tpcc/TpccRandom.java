package org.hapager.workload.tpcc;

import java.math.BigDecimal;
import java.util.SplittableRandom;

/**
 * The random functions of TPC-C clause 2.1 and 4.3.2 for one thread: uniform integers, NURand, a-strings,
 * n-strings, last names, ZIP codes and decimal amounts. Not thread-safe; each terminal and loader thread
 * has its own, seeded, so a seed reproduces the same input stream.
 */
public final class TpccRandom {

    private static final char[] ALNUM =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final SplittableRandom random;
    private final NURandConstants constants;

    public TpccRandom(long seed, NURandConstants constants) {
        this.random = new SplittableRandom(seed);
        this.constants = constants;
    }

    public NURandConstants constants() {
        return constants;
    }

    /** Uniform in [x, y], both inclusive. */
    public int uniform(int x, int y) {
        if (y < x) {
            throw new IllegalArgumentException("empty range [" + x + ", " + y + "]");
        }
        return x + random.nextInt(y - x + 1);
    }

    /** Uniform in [x, y] but never {@code except} (which must lie in the range, and the range have 2+ values). */
    public int uniformExcept(int x, int y, int except) {
        int v = uniform(x, y - 1);
        return v >= except ? v + 1 : v;
    }

    /** {@code NURand(A, x, y) = (((random(0, A) | random(x, y)) + C) % (y - x + 1)) + x} with this run's C for A. */
    public int nurand(int a, int x, int y) {
        int c = switch (a) {
            case 255 -> constants.cLast();
            case 1023 -> constants.cId();
            case 8191 -> constants.olIId();
            default -> throw new IllegalArgumentException("NURand A must be 255, 1023 or 8191, not " + a);
        };
        return nurand(a, c, x, y, uniform(0, a), uniform(x, y));
    }

    /** The NURand formula on given draws, for tests: {@code (((r0A | rXY) + c) % (y - x + 1)) + x}. */
    public static int nurand(int a, int c, int x, int y, int r0A, int rXY) {
        return (((r0A | rXY) + c) % (y - x + 1)) + x;
    }

    /** A customer id, {@code NURand(1023, 1, customers)}. */
    public int customerId(int customers) {
        return nurand(1023, 1, customers);
    }

    /** An item id, {@code NURand(8191, 1, items)}. */
    public int itemId(int items) {
        return nurand(8191, 1, items);
    }

    /** A last name for a lookup or a loaded customer past the first 1000: {@code NURand(255, 0, maxNumber)}. */
    public String lastName(int maxNumber) {
        return LastNames.of(nurand(255, 0, maxNumber));
    }

    /** Random alphanumeric string with a length uniform in [min, max]. */
    public String astring(int min, int max) {
        char[] s = new char[uniform(min, max)];
        for (int i = 0; i < s.length; i++) {
            s[i] = ALNUM[random.nextInt(ALNUM.length)];
        }
        return new String(s);
    }

    /** Random numeric string with a length uniform in [min, max]. */
    public String nstring(int min, int max) {
        char[] s = new char[uniform(min, max)];
        for (int i = 0; i < s.length; i++) {
            s[i] = (char) ('0' + random.nextInt(10));
        }
        return new String(s);
    }

    /** Clause 4.3.2.7: four random digits followed by {@code 11111}. */
    public String zip() {
        return nstring(4, 4) + "11111";
    }

    /** Two random upper-case letters. */
    public String state() {
        return "" + (char) ('A' + random.nextInt(26)) + (char) ('A' + random.nextInt(26));
    }

    /**
     * I_DATA or S_DATA (clause 4.3.3.1): an a-string of [26, 50] characters, in 10 % of rows with
     * {@code ORIGINAL} at a random position.
     */
    public String dataWithOriginal() {
        String s = astring(26, 50);
        if (uniform(1, 10) == 1) {
            int at = uniform(0, s.length() - 8);
            s = s.substring(0, at) + "ORIGINAL" + s.substring(at + 8);
        }
        return s;
    }

    /** A decimal uniform in [min, max] with {@code scale} fraction digits, given in units of that scale. */
    public BigDecimal decimal(long minUnits, long maxUnits, int scale) {
        long span = maxUnits - minUnits + 1;
        return BigDecimal.valueOf(minUnits + random.nextLong(span), scale);
    }

    /** True with probability {@code percent} / 100. */
    public boolean percent(int percent) {
        return uniform(1, 100) <= percent;
    }

    /** A random permutation of 1..n (clause 4.3.3.1: O_C_ID). */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i + 1;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
