package org.hapager.workload.pgbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hapager.workload.driver.WorkloadClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every error the parser and the executor report, each at its exact {@code FILE:LINE:}. */
class ScriptErrorTest {

    /** Parsing {@code text} as e.sql fails at {@code line} with a message containing {@code what}. */
    static ScriptException fails(String text, int line, String what) {
        ScriptException e = assertThrows(ScriptException.class, () -> ScriptParser.parse("e.sql", text), text);
        assertAt(e, "e.sql", line, what);
        return e;
    }

    static void assertAt(ScriptException e, String file, int line, String what) {
        String prefix = line > 0 ? file + ":" + line + ": " : file + ": ";
        assertTrue(e.getMessage().startsWith(prefix), () -> "expected prefix " + prefix + " in: " + e.getMessage());
        assertTrue(e.getMessage().contains(what), () -> "expected \"" + what + "\" in: " + e.getMessage());
        assertEquals(file, e.file());
        assertEquals(line, e.line());
        assertEquals(e.getMessage(), prefix + e.problem());
    }

    /** Runs a script of meta-commands (no SQL) once, as a client of the workload does. */
    static ScriptException failsAtRunTime(String text, int line, String what) throws Exception {
        Script s = ScriptParser.parse("r.sql", text);
        WorkloadClient client = new ScriptWorkload(List.of(s), 1).client(0, 1);
        client.nextType();
        ScriptException e = assertThrows(ScriptException.class, () -> client.execute(null, () -> { }), text);
        assertAt(e, "r.sql", line, what);
        return e;
    }

    @Test
    void unknownAndUnsupportedMetaCommandsAreRefusedByName() {
        fails("SELECT 1;\n\\foo bar\n", 2, "unknown meta-command \\foo; only \\set and \\sleep are supported");
        for (String m : List.of("gset", "aset", "if", "elif", "else", "endif", "setshell", "shell",
                "startpipeline", "endpipeline", "syncpipeline", "setrandom")) {
            fails("\n\n\\" + m + " x 1\nSELECT 1;\n", 3, "unsupported meta-command \\" + m);
        }
        fails("SELECT 1 FROM t\n\\gset p_\n", 2, "unsupported meta-command \\gset");
        fails("\\setrandom aid 1 10\n", 1, "removed in PostgreSQL 10");
        fails("\\\n", 1, "unknown meta-command \\");
    }

    @Test
    void badExpressions() {
        fails("\\set x 1 +\n", 1, "syntax error in expression \"1 +\": unexpected end of expression");
        fails("-- c\n\\set x (1\n", 2, "unexpected end of expression");
        fails("\\set x 1 2\n", 1, "unexpected \"2\" at column 3");
        fails("\\set x 1 @ 2\n", 1, "unexpected character \"@\" at column 3");
        fails("\\set x 1 = 2 = 3\n", 1, "syntax error"); // comparisons do not chain
        fails("\\set x 1 +\\\n  * 2\n", 1, "unexpected \"*\""); // a continued command reports its first line
        fails("\\set x foo\n", 1, "\"foo\" is neither a function call nor a keyword (a variable is written :foo)");
        fails("\\set x NULL\n", 1, "NULL is not supported");
        fails("\\set x CASE WHEN 1 THEN 2 END\n", 1, "CASE is not supported");
        fails("\\set x 1 IS TRUE\n", 1, "IS, ISNULL and NOTNULL are not supported");
        fails("\\set x 9223372036854775808\n", 1, "bigint constant overflow: 9223372036854775808");
        fails("\\set x 99999999999999999999\n", 1, "bigint constant overflow");
        fails("\\set x random(1, )\n", 1, "unexpected \")\"");
    }

    @Test
    void unknownFunctionsAndWrongArgumentCounts() {
        fails("\\set x foo(1)\n", 1, "unknown function foo()");
        fails("\\set x hash(1)\n", 1, "unsupported function hash()");
        fails("\\set x permute(1, 2)\n", 1, "unsupported function permute()");
        fails("\\set x random(1)\n", 1, "wrong number of arguments for random(): 1, expected 2");
        fails("\\set x random_zipfian(1, 2)\n", 1, "wrong number of arguments for random_zipfian(): 2, expected 3");
        fails("\\set x random(1, 2, 3)\n", 1, "wrong number of arguments for random(): 3, expected 2");
        fails("\\set x pi(1)\n", 1, "wrong number of arguments for pi(): 1, expected 0");
        fails("\\set x greatest()\n", 1, "wrong number of arguments for greatest(): 0, expected 1 or more");
        fails("\\set x abs()\n", 1, "wrong number of arguments for abs(): 0, expected 1");
    }

    @Test
    void constantParametersAndRangesAreCheckedAtParseTime() {
        fails("\\set x random_exponential(1, 10, 0)\n", 1, "exponential parameter must be greater than zero (not 0.000000)");
        fails("\\set x random_exponential(1, 10, -1.5)\n", 1, "exponential parameter must be greater than zero");
        fails("\\set x random_gaussian(1, 10, 1.9)\n", 1, "gaussian parameter must be at least 2.0 (not 1.900000)");
        fails("\\set x random_zipfian(1, 10, 1)\n", 1, "zipfian parameter must be in range [1.001, 1000] (not 1.000000)");
        fails("\\set x random_zipfian(1, 10, 0.5)\n", 1, "zipfian parameter must be in range [1.001, 1000]");
        fails("\\set x random_zipfian(1, 10, 1000.5)\n", 1, "zipfian parameter must be in range [1.001, 1000]");
        fails("\\set x random(10, 1)\n", 1, "empty range given to random: 10 > 1");
        fails("\\set x random(-9223372036854775808, 9223372036854775807)\n", 1, "range given to random is too large");
        fails("\\set x random(0, 9223372036854775807)\n", 1, "too large");
        // constant expressions are evaluated now, so their errors come now too
        fails("\\set x 1 / 0\n", 1, "division by zero");
        fails("\\set x 5 % 0\n", 1, "division by zero");
        fails("\\set x mod(5, 0)\n", 1, "division by zero");
        fails("\\set x 1.0 / 0\n", 1, "division by zero");
        fails("\\set x 9223372036854775807 + 1\n", 1, "bigint out of range");
        fails("\\set x -9223372036854775808 / -1\n", 1, "bigint out of range");
        fails("\\set x -(-9223372036854775808)\n", 1, "bigint out of range");
        fails("\\set x abs(-9223372036854775808)\n", 1, "bigint out of range");
        fails("\\set x int(1e30)\n", 1, "double to int overflow");
        fails("\\set x TRUE + 1\n", 1, "cannot coerce boolean to int");
        fails("\\set x sqrt(TRUE)\n", 1, "cannot coerce boolean to double");
    }

    @Test
    void undefinedVariablesAreNamed() {
        fails("\\set x :y + 1\n", 1, "undefined variable \"y\"");
        fails("\\set x :x + 1\n", 1, "undefined variable \"x\"");
        fails("\\set a 1\n\nSELECT *\n FROM t\n WHERE c = :nope;\n", 3, "undefined variable \"nope\"");
        fails("\\sleep :t ms\n", 1, "undefined variable \"t\"");
        fails("SELECT :x;\n\\set x 1\n", 1, "undefined variable \"x\""); // set later is too late
    }

    @Test
    void badSetAndSleepCommands() {
        fails("\\set\n", 1, "\\set: missing variable name");
        fails("\\set 1x 2\n", 1, "\\set: invalid variable name \"1x\"");
        fails("\\set x\n", 1, "\\set x: missing expression");
        fails("\\sleep\n", 1, "\\sleep: missing argument");
        fails("\\sleep 1 ms x\n", 1, "\\sleep: too many arguments");
        fails("\\sleep 10 minutes\n", 1, "unrecognized time unit \"minutes\", must be us, ms or s");
        fails("\\sleep 10min\n", 1, "unrecognized time unit \"min\"");
        fails("\\sleep 1.5 s\n", 1, "invalid sleep time \"1.5\"");
        fails("\\sleep abc\n", 1, "invalid sleep time \"abc\"");
        fails("\\sleep :9 s\n", 1, "\\sleep: invalid variable name \"9\"");
        fails("\\sleep 99999999999999999999 us\n", 1, "out of range");
    }

    @Test
    void unterminatedQuotesAndCommentsAndOpenTransactions() {
        fails("SELECT 1;\nSELECT 'abc\n;\n", 2, "unterminated quoted string");
        fails("SELECT \"abc\nFROM t;\n", 1, "unterminated quoted identifier");
        fails("SELECT 1;\n/* a\n/* nested */\n", 2, "unterminated /* comment");
        fails("\\set a 1\nBEGIN;\nUPDATE t SET a = :a;\n", 2, "BEGIN without END, COMMIT or ROLLBACK before the end");
        fails("BEGIN ISOLATION LEVEL SERIALIZABLE;\nEND;\n", 1, "BEGIN with options is not supported");
        fails("START TRANSACTION READ ONLY;\nEND;\n", 1, "START TRANSACTION with options is not supported");
    }

    @Test
    void emptyScriptsMissingAndUnreadableFilesNameTheFile(@TempDir Path dir) throws Exception {
        fails("", 0, "empty script: no SQL command or meta-command");
        fails("-- only a comment\n\n /* and another */ ;\n", 0, "empty script");
        Path missing = dir.resolve("nope.sql");
        ScriptException e = assertThrows(ScriptException.class, () -> ScriptParser.parseFile(missing));
        assertAt(e, missing.toString(), 0, "cannot read script: no such file");
        assertThrows(ScriptException.class, () -> ScriptSpec.parse(missing + "@2").load());
        Path latin1 = dir.resolve("latin1.sql");
        Files.write(latin1, new byte[] {'S', 'E', 'L', 'E', 'C', 'T', ' ', '\'', (byte) 0xE9, '\''});
        assertAt(assertThrows(ScriptException.class, () -> ScriptParser.parseFile(latin1)), latin1.toString(), 0,
                "not UTF-8 text");
        assertAt(assertThrows(ScriptException.class, () -> ScriptParser.parseFile(dir)), dir.toString(), 0,
                "cannot read script");
    }

    @Test
    void badWeightsAndBuiltinNames() {
        for (String arg : List.of("a.sql@x", "a.sql@-1", "a.sql@1.5", "a.sql@", "a.sql@2147483648")) {
            ScriptException e = assertThrows(ScriptException.class, () -> ScriptSpec.parse(arg), arg);
            assertAt(e, arg, 0, "invalid weight \"" + arg.substring(arg.lastIndexOf('@') + 1) + "\"");
        }
        assertAt(assertThrows(ScriptException.class, () -> ScriptSpec.parse("@3")), "@3", 0, "missing script name");
        ScriptException zero = assertThrows(ScriptException.class, () -> ScriptSpec.loadAll(
                List.of(ScriptSpec.builtin("tpcb-like@0"), ScriptSpec.builtin("select-only@0"))));
        assertEquals("total script weight must not be zero", zero.getMessage());
        assertNull(zero.file());
        assertThrows(ScriptException.class, () -> new ScriptWorkload(List.of(), 1));
        assertEquals("ambiguous builtin script name \"s\": simple-update, select-only; builtins: tpcb-like,"
                + " simple-update, select-only", assertThrows(ScriptException.class, () -> Builtins.script("s")).getMessage());
        assertTrue(assertThrows(ScriptException.class, () -> ScriptSpec.builtin("nope@1").load()).getMessage()
                .startsWith("no builtin script named \"nope\""));
    }

    @Test
    void runTimeErrorsCarryTheLineOfTheCommand() throws Exception {
        failsAtRunTime("\\set z 0\n-- divide\n\\set x 10 / :z\n", 3, "\\set x: division by zero");
        failsAtRunTime("\\set z :client_id\n\\set x mod(10, :z)\n", 2, "division by zero");
        failsAtRunTime("\\set z 0.0\n\\set x 1 / :z\n", 2, "division by zero");
        failsAtRunTime("\\set big 9223372036854775807\n\\set x :big * 2\n", 2, "bigint out of range");
        failsAtRunTime("\\set p 0.5 + :client_id\n\\set x random_zipfian(1, 10, :p)\n", 2,
                "zipfian parameter must be in range [1.001, 1000] (not 0.500000)");
        failsAtRunTime("\\set p :client_id\n\\set x random_exponential(1, 10, :p)\n", 2, "exponential parameter");
        failsAtRunTime("\\set p 1 + :client_id\n\\set x random_gaussian(1, 10, :p)\n", 2, "gaussian parameter");
        failsAtRunTime("\\set lo 10\n\\set x random(:lo, 1)\n", 2, "empty range given to random");
        failsAtRunTime("\\set d 1e300 * (:scale + 1)\n\\set x int(:d)\n", 2, "double to int overflow");
        failsAtRunTime("\\set b :scale = 1\n\\sleep :b ms\n", 2, "\\sleep: invalid sleep time true in variable \"b\"");
    }
}
