package org.hapager.workload.pgbench;

import java.util.List;
import java.util.Map;

/**
 * pgbench's three built-in scripts, with pgbench's exact text ({@code pgbench.c}, {@code builtin_script}):
 * {@code tpcb-like} (the default, "TPC-B (sort of)"), {@code simple-update} (without the tellers' and
 * branches' updates) and {@code select-only}. Nothing needs adapting for Derby: the executor handles
 * {@code BEGIN} and {@code END} itself rather than sending them (see {@link Command.Kind}).
 */
public final class Builtins {

    public static final String TPCB_LIKE = "tpcb-like";
    public static final String SIMPLE_UPDATE = "simple-update";
    public static final String SELECT_ONLY = "select-only";

    private static final String TPCB_TEXT = """
            \\set aid random(1, 100000 * :scale)
            \\set bid random(1, 1 * :scale)
            \\set tid random(1, 10 * :scale)
            \\set delta random(-5000, 5000)
            BEGIN;
            UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
            SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
            UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
            UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
            INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
            END;
            """;

    private static final String SIMPLE_UPDATE_TEXT = """
            \\set aid random(1, 100000 * :scale)
            \\set bid random(1, 1 * :scale)
            \\set tid random(1, 10 * :scale)
            \\set delta random(-5000, 5000)
            BEGIN;
            UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
            SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
            INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
            END;
            """;

    private static final String SELECT_ONLY_TEXT = """
            \\set aid random(1, 100000 * :scale)
            SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
            """;

    private static final Map<String, String> TEXTS = Map.of(TPCB_LIKE, TPCB_TEXT, SIMPLE_UPDATE, SIMPLE_UPDATE_TEXT,
            SELECT_ONLY, SELECT_ONLY_TEXT);

    private Builtins() {
    }

    /** The builtins' names, in pgbench's order. */
    public static List<String> names() {
        return List.of(TPCB_LIKE, SIMPLE_UPDATE, SELECT_ONLY);
    }

    /** The text of builtin {@code name} (exact name). */
    public static String text(String name) {
        String t = TEXTS.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no builtin script " + name);
        }
        return t;
    }

    /**
     * The builtin named {@code name} or, as pgbench's {@code -b} allows, by a prefix that only one name has
     * ({@code tpcb}, {@code simple}, {@code select}); weight 1.
     *
     * @throws ScriptException no builtin, or several, have that name or prefix
     */
    public static Script script(String name) {
        if (TEXTS.containsKey(name)) {
            return ScriptParser.parseBuiltin(name, TEXTS.get(name));
        }
        List<String> found = name.isEmpty() ? List.of() : names().stream().filter(n -> n.startsWith(name)).toList();
        if (found.size() == 1) {
            return ScriptParser.parseBuiltin(found.get(0), TEXTS.get(found.get(0)));
        }
        throw new ScriptException(null, 0, (found.isEmpty() ? "no builtin script named \"" + name + "\""
                : "ambiguous builtin script name \"" + name + "\": " + String.join(", ", found))
                + "; builtins: " + String.join(", ", names()));
    }
}
