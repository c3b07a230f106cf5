package org.hapager.workload.tpcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** NURand (clause 2.1.6), its run constants, the last-name syllables (4.3.2.3) and the random strings. */
class TpccRandomTest {

    private final TpccRandom random = new TpccRandom(7, NURandConstants.forRun(new SplittableRandom(7)));

    @Test
    void nurandFormulaOnKnownDraws() {
        // ((r0A | rXY) + C) % (y - x + 1) + x
        assertEquals(((5 | 9) + 3) % 1000, TpccRandom.nurand(255, 3, 0, 999, 5, 9));
        assertEquals(((1023 | 3000) + 1000) % 3000 + 1, TpccRandom.nurand(1023, 1000, 1, 3000, 1023, 3000));
        assertEquals(((0 | 1) + 0) % 100000 + 1, TpccRandom.nurand(8191, 0, 1, 100000, 0, 1));
    }

    @Test
    void nurandStaysInRangeAndIsSkewed() {
        int[] hits = new int[3001];
        for (int i = 0; i < 300_000; i++) {
            int c = random.customerId(3000);
            assertTrue(c >= 1 && c <= 3000, "customer id " + c);
            hits[c]++;
        }
        int max = 0;
        int min = Integer.MAX_VALUE;
        for (int c = 1; c <= 3000; c++) {
            max = Math.max(max, hits[c]);
            min = Math.min(min, hits[c]);
        }
        // uniform would give ~100 per id; NURand's OR makes some ids many times likelier than others
        assertTrue(max > 5 * min + 1, "NURand is non-uniform: max " + max + ", min " + min);
        for (int i = 0; i < 100_000; i++) {
            int item = random.itemId(100_000);
            assertTrue(item >= 1 && item <= 100_000);
            String last = random.lastName(999);
            assertTrue(last.length() >= 9 && last.length() <= LastNames.MAX_LENGTH, last);
        }
        for (int i = 0; i < 10_000; i++) {
            int small = random.itemId(1000);
            assertTrue(small >= 1 && small <= 1000, "reduced scale item " + small);
        }
    }

    @Test
    void nurandRejectsOtherA() {
        assertThrows(IllegalArgumentException.class, () -> random.nurand(100, 1, 10));
    }

    @Test
    void runConstantsObeyClause2161() {
        for (long seed = 0; seed < 2_000; seed++) {
            NURandConstants c = NURandConstants.forRun(new SplittableRandom(seed));
            int delta = Math.abs(c.cLast() - NURandConstants.LOAD_C_LAST);
            assertTrue(delta >= 65 && delta <= 119 && delta != 96 && delta != 112, "delta " + delta);
            assertTrue(c.cId() >= 0 && c.cId() <= 1023 && c.olIId() >= 0 && c.olIId() <= 8191);
        }
        assertEquals(NURandConstants.LOAD_C_LAST, NURandConstants.forLoad(new SplittableRandom(1)).cLast());
        assertTrue(!NURandConstants.validRunCLast(NURandConstants.LOAD_C_LAST + 96, NURandConstants.LOAD_C_LAST));
        assertTrue(!NURandConstants.validRunCLast(NURandConstants.LOAD_C_LAST + 64, NURandConstants.LOAD_C_LAST));
        assertThrows(IllegalArgumentException.class, () -> new NURandConstants(256, 0, 0));
    }

    @Test
    void lastNamesSpellTheDigitsWithTheSyllableTable() {
        assertEquals(java.util.List.of("BAR", "OUGHT", "ABLE", "PRI", "PRES", "ESE", "ANTI", "CALLY", "ATION", "EING"),
                java.util.List.of(LastNames.SYLLABLES));
        assertEquals("BARBARBAR", LastNames.of(0));
        assertEquals("PRICALLYOUGHT", LastNames.of(371)); // the specification's example
        assertEquals("OUGHTBARPRES", LastNames.of(104));
        assertEquals("EINGEINGEING", LastNames.of(999));
        Set<String> names = new HashSet<>();
        for (int n = 0; n <= 999; n++) {
            String s = LastNames.of(n);
            assertTrue(s.length() <= 16, "fits C_LAST: " + s);
            names.add(s);
        }
        assertEquals(1000, names.size());
        assertThrows(IllegalArgumentException.class, () -> LastNames.of(1000));
        assertThrows(IllegalArgumentException.class, () -> LastNames.of(-1));
    }

    @Test
    void stringsAndAmountsHaveTheirRanges() {
        int original = 0;
        for (int i = 0; i < 10_000; i++) {
            String a = random.astring(14, 24);
            assertTrue(a.length() >= 14 && a.length() <= 24 && a.chars().allMatch(Character::isLetterOrDigit));
            String zip = random.zip();
            assertTrue(zip.matches("[0-9]{4}11111"), zip);
            String data = random.dataWithOriginal();
            assertTrue(data.length() >= 26 && data.length() <= 50);
            original += data.contains("ORIGINAL") ? 1 : 0;
            BigDecimal amount = random.decimal(100, 500_000, 2);
            assertTrue(amount.scale() == 2 && amount.compareTo(new BigDecimal("1.00")) >= 0
                    && amount.compareTo(new BigDecimal("5000.00")) <= 0);
            int other = random.uniformExcept(1, 3, 2);
            assertTrue(other == 1 || other == 3);
        }
        assertTrue(original > 800 && original < 1200, "about 10 % ORIGINAL: " + original);
        int[] p = random.permutation(3000);
        assertEquals(3000, java.util.Arrays.stream(p).distinct().filter(x -> x >= 1 && x <= 3000).count());
    }
}
