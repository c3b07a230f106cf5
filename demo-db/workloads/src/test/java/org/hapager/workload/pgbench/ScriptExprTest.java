package org.hapager.workload.pgbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@code \set} expressions: constants, every operator and function, precedence, integer and double arithmetic. */
class ScriptExprTest {

    /** Runs the script's {@code \set}s with :scale 3 and :client_id 7, and returns the last one's value. */
    static Value run(String script, long seed) {
        Script s = ScriptParser.parse("x.sql", script);
        Frame f = new Frame(s.variables().size(), new SplittableRandom(seed)).preset(3, 7);
        Value last = null;
        for (Command c : s.commands()) {
            Command.Set set = (Command.Set) c;
            last = f.vars[set.slot] = set.expr.eval(f);
        }
        return last;
    }

    static Value eval(String expression) {
        return run("\\set x " + expression, 1);
    }

    static void is(long expected, String expression) {
        assertEquals(Value.of(expected), eval(expression), expression);
    }

    static void is(double expected, String expression) {
        assertEquals(Value.of(expected), eval(expression), expression);
    }

    static void is(boolean expected, String expression) {
        assertEquals(Value.of(expected), eval(expression), expression);
    }

    @Test
    void constants() {
        is(5432, "5432");
        is(3.14159, "3.14159");
        is(0.5, ".5");
        is(1000.0, "1e3");
        is(0.2, "2E-1");
        is(1.0, "1.");
        is(true, "TRUE");
        is(false, "false");
        is(Long.MIN_VALUE, "-9223372036854775808");
        is(Long.MAX_VALUE, "9223372036854775807");
        is(3, ":scale");
        is(7, ":client_id");
    }

    @Test
    void integerArithmeticTruncatesDoubleArithmeticDoesNot() {
        is(5, "2 + 3");
        is(-1, "2 - 3");
        is(6, "2 * 3");
        is(3, "7 / 2");
        is(-3, "-7 / 2");
        is(-3, "7 / -2");
        is(1, "7 % 3");
        is(-1, "-7 % 3");
        is(1, "7 % -3");
        is(0, "5 % -1");
        is(-5, "5 / -1");
        is(3.5, "7.0 / 2");
        is(3.5, "7 / 2.0");
        is(5.5, "2.5 + 3");
        is(-0.5, "2.5 - 3");
        is(7.5, "2.5 * 3");
        is(1, "7.4 % 3"); // % is for integers: 7.4 is rounded to 7
        is(-4, "-4");
        is(4, "+4");
        is(-2.5, "-2.5");
        is(4, "- -4");
    }

    @Test
    void precedenceAndAssociativityArePgbenchs() {
        is(14, "2 + 3 * 4");
        is(20, "(2 + 3) * 4");
        is(-6, "-2 * 3");
        is(-5, "2 - 3 - 4");
        is(2, "8 / 2 / 2");
        is(2, "10 % 4 % 3"); // (10 % 4) % 3; from the right it would be 0
        is(7, "1 + 2 * 3 % 4 + 4 - 0");
        is(true, "1 + 2 = 3");
        is(true, "1 < 2 AND 2 < 3");
        is(true, "NOT 1 = 2");
        is(true, "TRUE OR FALSE AND FALSE");
        is(false, "(TRUE OR FALSE) AND FALSE");
        is(false, "NOT TRUE AND TRUE");
        is(3, "1 | 2 & 3"); // bitwise operators share one level, left to right
        is(-3, "~1 + 1"); // ~ takes the whole sum: ~(1 + 1)
        is(-1, "~0");
        is(true, "1 << 2 + 1 = 8"); // + before <<, << before =
    }

    @Test
    void everyOperator() {
        is(3, "1 | 2");
        is(2, "6 & 3");
        is(5, "6 # 3");
        is(-7, "~6");
        is(8, "1 << 3");
        is(-4, "-16 >> 2");
        is(true, "2 = 2");
        is(true, "2 = 2.0");
        is(true, "2 <> 3");
        is(true, "2 != 3");
        is(false, "2 != 2");
        is(true, "2 < 3");
        is(true, "2 <= 2");
        is(false, "2 > 3");
        is(true, "3 >= 3");
        is(true, "2.5 > 2");
        is(false, "1 AND 0");
        is(true, "0.5 OR 0");
        is(false, "NOT 3");
    }

    @Test
    void andOrEvaluateTheirRightSideOnlyWhenNeeded() {
        assertEquals(Value.of(false), run("\\set z 0\n\\set x :z AND 1 / :z", 1));
        assertEquals(Value.of(true), run("\\set z 0\n\\set x NOT :z OR 1 / :z", 1));
    }

    @Test
    void everyFunction() {
        is(5, "abs(-5)");
        is(2.5, "abs(-2.5)");
        is(5, "greatest(1, 5, 3)");
        is(2.5, "greatest(1, 2.5)");
        is(2.0, "greatest(2, 1.5)");
        is(-1, "least(4, -1, 9)");
        is(-1.0, "least(4.0, -1)");
        is(7, "least(7)");
        is(2, "int(2.5)"); // rounded to nearest even, as pgbench's rint
        is(4, "int(3.5)");
        is(-3, "int(-2.7)");
        is(9, "int(5.4 + 3.8)");
        is(3.0, "double(3)");
        is(4.0, "sqrt(16)");
        is(Math.sqrt(2), "sqrt(2)");
        is(Math.PI, "pi()");
        is(1, "mod(7, 3)");
        is(-1, "mod(-7, 3)");
        is(1.0, "exp(0)");
        is(0.0, "ln(1)");
        is(1024.0, "pow(2, 10)");
        is(Math.sqrt(2), "power(2, 0.5)");
        is(5, "random(5, 5)");
        is(3, "RANDOM(3, 3)"); // names are case-insensitive
        is(1, "random_exponential(1, 1, 2.0)");
        is(9, "random_gaussian(9, 9, 2.5)");
        is(4, "random_zipfian(4, 4, 1.5)");
        is(1.5, "Abs(-1.5)");
    }

    @Test
    void randomFunctionsStayInRangeAndRepeatWithTheSeed() {
        String[] calls = {"random(1, 10)", "random_exponential(1, 10, 2.0)", "random_gaussian(1, 10, 2.5)",
            "random_zipfian(1, 10, 1.5)", "random(-5, :scale)"};
        for (String call : calls) {
            for (long seed = 0; seed < 200; seed++) {
                Value v = run("\\set x " + call, seed);
                assertTrue(v.isInt(), call);
                long lo = call.startsWith("random(-5") ? -5 : 1;
                long hi = call.startsWith("random(-5") ? 3 : 10;
                assertTrue(v.longValue() >= lo && v.longValue() <= hi, call + " gave " + v);
                assertEquals(v, run("\\set x " + call, seed), "the same seed gives the same value");
            }
        }
    }

    @Test
    void variablesAndNestedCalls() {
        Value v = run("""
                \\set naccounts 100000 * :scale
                \\set aid random(1, :naccounts)
                \\set half :naccounts / 2
                \\set x greatest(abs(:aid - :half), 0) <= :half
                """, 42);
        assertEquals(Value.of(true), v);
        assertEquals(Value.of(300_000L), run("\\set n 100000 * :scale", 1));
        assertEquals(Value.of(2L), run("\\set a 1\n\\set a :a + 1", 1), "a variable may be set again from itself");
    }

    @Test
    void valuesPrintAndCompareByType() {
        assertEquals("42", Value.of(42L).toString());
        assertEquals("2.5", Value.of(2.5).toString());
        assertEquals("true", Value.of(true).toString());
        assertTrue(!Value.of(1L).equals(Value.of(1.0)), "an integer is not a double");
        assertEquals(Value.Type.BOOLEAN, eval("1 = 1").type());
    }
}
