package org.hapager.workload.pgbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every construct of the script format the parser accepts, with its line numbers. */
class ScriptParserTest {

    static Script parse(String text) {
        return ScriptParser.parse("t.sql", text);
    }

    static String squash(String s) {
        return s.replaceAll("\\s+", " ");
    }

    @Test
    void sqlSpansLinesAndEndsAtSemicolonCommentsAndBlankLinesAreIgnored() {
        Script s = parse("""
                -- a header comment

                SELECT abalance
                  FROM pgbench_accounts  -- why: a trailing comment
                 WHERE aid = 1;
                /* a block
                   comment */ UPDATE t SET x = /* inline */ 2;   INSERT INTO t VALUES (1);
                ;
                SELECT 'a -- not a comment; nor the end' FROM t
                """);
        List<Command.Sql> sql = s.sql();
        assertEquals(4, s.commands().size());
        assertEquals("SELECT abalance FROM pgbench_accounts WHERE aid = 1", squash(sql.get(0).jdbc()));
        assertEquals(3, sql.get(0).line());
        assertEquals("UPDATE t SET x = 2", squash(sql.get(1).jdbc()));
        assertEquals(7, sql.get(1).line(), "a command starts where its first word is");
        assertEquals("INSERT INTO t VALUES (1)", sql.get(2).jdbc());
        assertEquals(7, sql.get(2).line());
        assertEquals("SELECT 'a -- not a comment; nor the end' FROM t", sql.get(3).jdbc(),
                "the last command needs no semicolon; quotes hide -- and ;");
        assertEquals(9, sql.get(3).line());
        assertTrue(sql.stream().allMatch(q -> q.kind() == Command.Kind.STATEMENT));
        assertEquals("t", s.name());
        assertEquals("t.sql", s.file());
        assertEquals(1, s.weight());
    }

    @Test
    void variablesBecomeParametersButNotInCastsQuotesOrBareColons() {
        Script s = parse("""
                \\set a 1
                \\set b_2 2
                SELECT :a::text, ':a', ":a", 'it''s :a', x::int, :a||'x', arr[1:2], t.c : 3
                  FROM t WHERE c = :b_2 AND d = :a;
                """);
        Command.Sql q = s.sql().get(0);
        assertEquals("SELECT ?::text, ':a', \":a\", 'it''s :a', x::int, ?||'x', arr[1:2], t.c : 3 FROM t WHERE c = ? AND d = ?",
                squash(q.jdbc()));
        assertEquals(List.of("a", "a", "b_2", "a"), q.parameters());
        assertTrue(q.text().startsWith("SELECT :a::text, ':a'"), q.text());
        assertEquals(List.of("scale", "client_id", "a", "b_2"), s.variables());
    }

    @Test
    void presetsNeedNoSet() {
        Script s = parse("SELECT :scale, :client_id FROM t");
        assertEquals(List.of("scale", "client_id"), s.sql().get(0).parameters());
    }

    @Test
    void metaCommandsEndAtTheLineUnlessContinuedAndMayFollowSqlOnItsLine() {
        Script s = parse("""
                \\set x 1 + \\
                  2 * \\
                  3
                SELECT :x; \\set y :x * 2
                \\set z 5
                SELECT 1 \\set w 4
                """);
        List<Command> c = s.commands();
        assertEquals(List.of(1, 4, 4, 5, 6, 6), c.stream().map(Command::line).toList());
        Command.Set x = (Command.Set) c.get(0);
        assertEquals("x", x.variable());
        assertEquals(Value.of(7L), x.constantValue(), "continued lines form one expression, folded");
        assertEquals("y", ((Command.Set) c.get(2)).variable());
        assertNull(((Command.Set) c.get(2)).constantValue(), "depends on a variable");
        assertEquals("SELECT 1", ((Command.Sql) c.get(4)).jdbc(), "a meta-command ends the SQL before it, as in pgbench");
        assertEquals("w", ((Command.Set) c.get(5)).variable());
    }

    @Test
    void metaCommandNamesAreCaseInsensitiveAndWindowsLineEndsWork() {
        Script s = parse("\\SET x 1\r\n\\Sleep 2 MS\r\nSELECT :x\r\n;\r\n");
        assertEquals(3, s.commands().size());
        assertEquals(3, s.commands().get(2).line());
        assertEquals("ms", ((Command.Sleep) s.commands().get(1)).unit());
    }

    @Test
    void transactionControlIsRecognizedOtherStatementsAreNot() {
        Script s = parse("""
                BEGIN; COMMIT;
                begin work; end;
                BEGIN TRANSACTION; END TRANSACTION;
                START TRANSACTION; ROLLBACK;
                BEGIN; ABORT;
                BEGIN; SAVEPOINT s1; ROLLBACK TO SAVEPOINT s1; COMMIT WORK;
                """);
        List<Command.Kind> kinds = s.sql().stream().map(Command.Sql::kind).toList();
        Command.Kind b = Command.Kind.BEGIN;
        Command.Kind c = Command.Kind.COMMIT;
        Command.Kind r = Command.Kind.ROLLBACK;
        Command.Kind st = Command.Kind.STATEMENT;
        assertEquals(List.of(b, c, b, c, b, c, b, r, b, r, b, st, st, c), kinds);
    }

    @Test
    void sleepTakesAnIntegerOrAVariableAndAUnitSecondsByDefault() {
        Script s = parse("""
                \\set t 250
                \\set d 2.9
                \\sleep 3
                \\sleep 10 ms
                \\sleep 5us
                \\sleep :t ms
                \\sleep :d s
                \\sleep -4 s
                \\sleep +7 us
                """);
        Frame f = new Frame(s.variables().size(), new SplittableRandom(1)).preset(1, 0);
        f.vars[2] = Value.of(250L);
        f.vars[3] = Value.of(2.9);
        List<Long> micros = s.commands().stream().filter(c -> c instanceof Command.Sleep)
                .map(c -> ((Command.Sleep) c).micros(f)).toList();
        assertEquals(List.of(3_000_000L, 10_000L, 5L, 250_000L, 2_000_000L, 0L, 7L), micros,
                "a double variable is truncated (pgbench reads it with atoi); a negative time is no sleep");
        Command.Sleep v = (Command.Sleep) s.commands().get(5);
        assertEquals("t", v.variable());
        assertEquals(1_000, v.unitMicros());
        assertEquals(10, ((Command.Sleep) s.commands().get(3)).amount());
    }

    @Test
    void weightsFollowTheLastAt() {
        assertEquals(new ScriptSpec("a.sql", false, 1), ScriptSpec.parse("a.sql"));
        assertEquals(new ScriptSpec("a.sql", false, 5), ScriptSpec.parse("a.sql@5"));
        assertEquals(new ScriptSpec("dir@x/a.sql", false, 0), ScriptSpec.parse("dir@x/a.sql@0"));
        assertEquals(new ScriptSpec("tpcb", true, 2), ScriptSpec.builtin("tpcb@2"));
        assertEquals(new ScriptSpec("a.sql", false, Integer.MAX_VALUE), ScriptSpec.parse("a.sql@2147483647"));
    }

    @Test
    void builtinsAreFoundByNameOrUniquePrefixWithPgbenchsText() {
        assertEquals(List.of("tpcb-like", "simple-update", "select-only"), Builtins.names());
        Script tpcb = ScriptSpec.builtin("tpcb@3").load();
        assertEquals("tpcb-like", tpcb.name());
        assertEquals("builtin:tpcb-like", tpcb.file());
        assertTrue(tpcb.isBuiltin());
        assertEquals(3, tpcb.weight());
        assertEquals(11, tpcb.commands().size());
        assertEquals(Command.Kind.BEGIN, tpcb.sql().get(0).kind());
        assertEquals(Command.Kind.COMMIT, tpcb.sql().get(6).kind());
        assertEquals("UPDATE pgbench_accounts SET abalance = abalance + ? WHERE aid = ?", tpcb.sql().get(1).jdbc());
        assertEquals("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)",
                tpcb.sql().get(5).jdbc());
        assertEquals(List.of("tid", "bid", "aid", "delta"), tpcb.sql().get(5).parameters());
        assertEquals("simple-update", Builtins.script("simple").name());
        assertEquals(9, Builtins.script("simple-update").commands().size());
        Script select = Builtins.script("select-only");
        assertEquals(2, select.commands().size());
        assertEquals("random(1, 100000 * :scale)", ((Command.Set) select.commands().get(0)).expression());
        assertTrue(Builtins.text("tpcb-like").startsWith("\\set aid random(1, 100000 * :scale)\n"));
    }

    @Test
    void theWorkloadIsNamedTpcbOnlyForTheTpcbLikeBuiltinAlone(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tpcb-like.sql");
        Files.writeString(file, Builtins.text("tpcb-like"));
        Script fromFile = ScriptSpec.parse(file + "@2").load();
        assertEquals("tpcb-like", fromFile.name());
        assertEquals(file.toString(), fromFile.file());
        assertEquals(2, fromFile.weight());

        assertEquals("tpcb", new ScriptWorkload(List.of(Builtins.script("tpcb-like")), 1).name());
        assertEquals("script", new ScriptWorkload(List.of(fromFile), 1).name());
        ScriptWorkload mix = new ScriptWorkload(ScriptSpec.loadAll(List.of(ScriptSpec.builtin("tpcb-like"),
                ScriptSpec.builtin("select-only@0"), ScriptSpec.builtin("tpcb-like@4"))), 7, 3);
        assertEquals("script", mix.name());
        assertEquals(List.of("tpcb-like", "select-only", "tpcb-like#2"), mix.types(), "repeated names are told apart");
        assertEquals(7, mix.scale());
        assertEquals(3, mix.maxTries());
        assertEquals(10, ScriptWorkload.DEFAULT_MAX_TRIES);
    }

    @Test
    void aFileIsUtf8AndNamedWithoutDirectoryAndExtension(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("hot.accounts.sql");
        Files.write(file, "-- café\n\\set x 1\nSELECT 'é' FROM t WHERE a = :x;\n".getBytes(StandardCharsets.UTF_8));
        Script s = ScriptParser.parseFile(file);
        assertEquals("hot.accounts", s.name());
        assertEquals("SELECT 'é' FROM t WHERE a = ?", s.sql().get(0).jdbc());
        assertEquals(3, s.sql().get(0).line());
        assertEquals("x", ScriptParser.parse("scripts/x.sql", "SELECT 1").name());
    }
}
