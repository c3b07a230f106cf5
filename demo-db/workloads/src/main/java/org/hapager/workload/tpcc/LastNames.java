package org.hapager.workload.tpcc;

/**
 * Customer last names of TPC-C clause 4.3.2.3: a number in [0, 999] spelled as three syllables, one per
 * decimal digit, from a fixed table (371 is {@code PRICALLYOUGHT}, 0 is {@code BARBARBAR}).
 */
public final class LastNames {

    /** The syllable of each digit 0..9, in the specification's order. */
    public static final String[] SYLLABLES = {
        "BAR", "OUGHT", "ABLE", "PRI", "PRES", "ESE", "ANTI", "CALLY", "ATION", "EING"
    };

    /** The longest name (three five-letter syllables), within C_LAST's 16 characters. */
    public static final int MAX_LENGTH = 15;

    private static final String[] NAMES = new String[1000];

    static {
        for (int n = 0; n < NAMES.length; n++) {
            NAMES[n] = SYLLABLES[n / 100] + SYLLABLES[n / 10 % 10] + SYLLABLES[n % 10];
        }
    }

    private LastNames() {
    }

    /** The last name of {@code number}, which must be in [0, 999]. */
    public static String of(int number) {
        if (number < 0 || number > 999) {
            throw new IllegalArgumentException("last-name number " + number + " is outside [0, 999]");
        }
        return NAMES[number];
    }
}
