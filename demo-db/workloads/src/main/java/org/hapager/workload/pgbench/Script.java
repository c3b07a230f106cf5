package org.hapager.workload.pgbench;

import java.util.List;

/**
 * A parsed script: its commands in order, the variables they use, and its weight among the scripts of a
 * run. Immutable; {@link ScriptParser} and {@link Builtins} make them.
 */
public final class Script {

    /** The variables every script may use without setting them, in their slots: {@code :scale}, {@code :client_id}. */
    public static final List<String> PRESETS = List.of("scale", "client_id");

    private final String name;
    private final String file;
    private final boolean builtin;
    private final int weight;
    private final List<Command> commands;
    private final List<String> variables;

    Script(String name, String file, boolean builtin, int weight, List<Command> commands, List<String> variables) {
        if (weight < 0) {
            throw new IllegalArgumentException("weight must not be negative: " + weight);
        }
        this.name = name;
        this.file = file;
        this.builtin = builtin;
        this.weight = weight;
        this.commands = List.copyOf(commands);
        this.variables = List.copyOf(variables);
    }

    /** The transaction type's name in results: a builtin's name, or the file name without directory and extension. */
    public String name() {
        return name;
    }

    /** Where the script came from, as error messages name it: the path given, or {@code builtin:NAME}. */
    public String file() {
        return file;
    }

    /** True for one of pgbench's {@link Builtins}. */
    public boolean isBuiltin() {
        return builtin;
    }

    /** Relative frequency among a run's scripts (pgbench's {@code @weight}); 1 unless set. */
    public int weight() {
        return weight;
    }

    /** This script with another weight (&ge; 0). */
    public Script withWeight(int w) {
        return new Script(name, file, builtin, w, commands, variables);
    }

    public List<Command> commands() {
        return commands;
    }

    /** Every variable the script uses: the {@link #PRESETS} first, then in the order the script sets them. */
    public List<String> variables() {
        return variables;
    }

    /** The SQL commands only. */
    public List<Command.Sql> sql() {
        return commands.stream().filter(c -> c instanceof Command.Sql).map(c -> (Command.Sql) c).toList();
    }

    @Override
    public String toString() {
        return name + "@" + weight + " (" + file + ", " + commands.size() + " commands)";
    }
}
