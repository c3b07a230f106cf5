package org.hapager.workload.pgbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.hapager.workload.driver.Driver;
import org.hapager.workload.driver.DriverOptions;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.tpcc.TpccTestDb;
import org.junit.jupiter.api.Test;

/** The example scripts shipped in {@code demo-db/workloads/scripts}: each parses and runs on the pgbench tables. */
class ScriptExamplesTest {

    /** The module directory is the tests' working directory. */
    static final Path SCRIPTS = Path.of("scripts");

    static List<Path> shipped() throws Exception {
        try (Stream<Path> files = Files.list(SCRIPTS)) {
            return files.filter(p -> p.toString().endsWith(".sql")).sorted().toList();
        }
    }

    @Test
    void theDocumentedScriptsAreShippedEachWithACommentHeader() throws Exception {
        assertEquals(List.of("exponential-history.sql", "select-only.sql", "tpcb-like.sql", "zipfian-hot-accounts.sql"),
                shipped().stream().map(p -> p.getFileName().toString()).toList());
        for (Path p : shipped()) {
            List<String> lines = Files.readAllLines(p);
            String name = p.getFileName().toString().replace(".sql", "");
            assertTrue(lines.get(0).startsWith("-- " + name + ": "), p + " starts by saying what it does");
            assertTrue(lines.stream().takeWhile(l -> l.startsWith("--")).count() >= 3, p + " has a header");
        }
    }

    @Test
    void theTpcbAndSelectOnlyFilesAreTheBuiltins() throws Exception {
        for (String name : List.of(Builtins.TPCB_LIKE, Builtins.SELECT_ONLY)) {
            Script file = ScriptParser.parseFile(SCRIPTS.resolve(name + ".sql"));
            Script builtin = Builtins.script(name);
            assertEquals(builtin.commands().stream().map(ScriptExamplesTest::describe).toList(),
                    file.commands().stream().map(ScriptExamplesTest::describe).toList(), name);
            String body = Files.readString(SCRIPTS.resolve(name + ".sql")).lines()
                    .filter(l -> !l.startsWith("--")).map(l -> l + "\n").reduce("", String::concat);
            assertEquals(Builtins.text(name), body, name + ": the same text, under the comment header");
        }
    }

    private static String describe(Command c) {
        return c instanceof Command.Sql q ? q.kind() + " " + q.jdbc() + " " + q.parameters()
                : c instanceof Command.Set s ? "set " + s.variable() + " " + s.expression() : c.toString();
    }

    @Test
    void everyShippedScriptRunsOnTheTablesAndKeepsThemConsistent() throws Exception {
        try (TpccTestDb db = new TpccTestDb(3)) {
            PgbenchLoader.createAndLoad(db.dataSource(), 1, (loaded, total) -> { });
            for (Path p : shipped()) {
                Script s = ScriptSpec.parse(p.toString()).load();
                DriverResult r = new Driver(db.dataSource(), new ScriptWorkload(List.of(s), 1),
                        new DriverOptions(2, Duration.ZERO, 15, 99, Connection.TRANSACTION_READ_COMMITTED,
                                Duration.ofSeconds(1), x -> { }, null, 10)).run();
                assertEquals(0, r.totalFailures(), () -> p + ": " + r.failuresKept());
                assertEquals(30, r.type(s.name()).committed(), p.toString());
                assertEquals(List.of(), PgbenchChecks.violations(PgbenchChecks.check(db.dataSource())), p.toString());
            }
            try (Connection c = db.dataSource().getConnection()) {
                long rows = PgbenchLoaderTest.number(c, "SELECT COUNT(*) FROM pgbench_history");
                assertEquals(3 * 30, rows, "tpcb-like, zipfian-hot-accounts and exponential-history each wrote history");
                c.commit();
            }
        }
    }
}
