package org.hapager.workload.pgbench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A script named on the command line, as pgbench's {@code -f FILE[@WEIGHT]} and {@code -b NAME[@WEIGHT]}:
 * the text after the last {@code @} is the weight, an integer from 0 to 2147483647 (default 1); a script of
 * weight 0 never runs. {@link #load()} reads and parses it.
 *
 * @param source  a file path, or a builtin's name (or unique prefix)
 * @param builtin true for {@code -b}
 * @param weight  relative frequency of the script in the run
 */
public record ScriptSpec(String source, boolean builtin, int weight) {

    public ScriptSpec {
        if (weight < 0) {
            throw new IllegalArgumentException("weight must not be negative: " + weight);
        }
    }

    /** {@code path[@weight]}: a script file. */
    public static ScriptSpec parse(String arg) {
        return of(arg, false);
    }

    /** {@code name[@weight]}: a builtin ({@link Builtins}), by name or unique prefix. */
    public static ScriptSpec builtin(String arg) {
        return of(arg, true);
    }

    private static ScriptSpec of(String arg, boolean builtin) {
        int at = arg.lastIndexOf('@');
        if (at < 0) {
            return new ScriptSpec(requireName(arg, arg), builtin, 1);
        }
        String w = arg.substring(at + 1);
        int weight;
        try {
            if (w.isEmpty() || !w.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new NumberFormatException();
            }
            weight = Integer.parseInt(w);
        } catch (NumberFormatException e) {
            throw new ScriptException(arg, 0, "invalid weight \"" + w
                    + "\": the text after the last @ must be an integer from 0 to " + Integer.MAX_VALUE);
        }
        return new ScriptSpec(requireName(arg, arg.substring(0, at)), builtin, weight);
    }

    private static String requireName(String arg, String name) {
        if (name.isBlank()) {
            throw new ScriptException(arg, 0, "missing script " + (arg.isEmpty() ? "name" : "name before the @"));
        }
        return name;
    }

    /** Reads and parses the script, with this weight. */
    public Script load() {
        Script s = builtin ? Builtins.script(source) : ScriptParser.parseFile(Path.of(source));
        return s.withWeight(weight);
    }

    /**
     * Loads every spec, in order.
     *
     * @throws ScriptException one cannot be loaded, or the weights add up to 0
     */
    public static List<Script> loadAll(List<ScriptSpec> specs) {
        List<Script> scripts = new ArrayList<>();
        for (ScriptSpec s : specs) {
            scripts.add(s.load());
        }
        ScriptWorkload.checkWeights(scripts);
        return scripts;
    }

    @Override
    public String toString() {
        return (builtin ? "-b " : "-f ") + source + "@" + weight;
    }
}
