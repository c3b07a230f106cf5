package org.hapager.workload.pgbench;

import java.util.Locale;
import java.util.Set;

/**
 * One meta-command of a script being parsed, its backslash and continuation lines removed: {@code \set} and
 * {@code \sleep} become commands of the script; every other meta-command is refused with its name.
 */
final class MetaCommand {

    /** pgbench's meta-commands that this implementation refuses. */
    static final Set<String> UNSUPPORTED = Set.of("gset", "aset", "if", "elif", "else", "endif", "setshell",
            "shell", "startpipeline", "endpipeline", "syncpipeline", "setrandom");

    private final ScriptParser p;
    private final int at;
    private final String body;

    MetaCommand(ScriptParser p, int at, String body) {
        this.p = p;
        this.at = at;
        this.body = body;
    }

    void parse() {
        String[] head = body.strip().split("\\s+", 2);
        String name = head[0];
        String rest = head.length > 1 ? head[1] : "";
        String lower = name.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "set" -> set(rest);
            case "sleep" -> sleep(rest);
            default -> {
                String what = UNSUPPORTED.contains(lower) ? "unsupported meta-command \\" : "unknown meta-command \\";
                String hint = lower.equals("setrandom")
                        ? " (removed in PostgreSQL 10: use \\set name random(lb, ub))" : "";
                throw error(what + name + hint + "; only \\set and \\sleep are supported");
            }
        }
    }

    private ScriptException error(String problem) {
        return new ScriptException(p.file, at, problem);
    }

    private void set(String rest) {
        String[] w = rest.split("\\s+", 2);
        if (w[0].isEmpty()) {
            throw error("\\set: missing variable name");
        }
        if (!ScriptParser.validName(w[0])) {
            throw error("\\set: invalid variable name \"" + w[0] + "\"");
        }
        String expression = w.length > 1 ? w[1].strip() : "";
        if (expression.isEmpty()) {
            throw error("\\set " + w[0] + ": missing expression");
        }
        Expr e = ExprParser.parse(p.file, at, expression, name -> {
            Integer slot = p.slots.get(name);
            if (slot == null) {
                throw error("undefined variable \"" + name + "\" (set it with \\set before use; preset: "
                        + String.join(", ", Script.PRESETS) + ")");
            }
            return slot;
        });
        int slot = p.slots.computeIfAbsent(w[0], k -> p.slots.size());
        p.commands.add(new Command.Set(at, w[0], slot, expression, e));
    }

    private void sleep(String rest) {
        String[] w = rest.isBlank() ? new String[0] : rest.strip().split("\\s+");
        if (w.length == 0) {
            throw error("\\sleep: missing argument");
        }
        if (w.length > 2) {
            throw error("\\sleep: too many arguments");
        }
        String unit = w.length == 2 ? w[1] : null;
        long amount = 0;
        String variable = null;
        int slot = -1;
        if (w[0].startsWith(":")) {
            variable = w[0].substring(1);
            if (!ScriptParser.validName(variable)) {
                throw error("\\sleep: invalid variable name \"" + variable + "\"");
            }
            slot = p.slots.getOrDefault(variable, -1);
            if (slot < 0) {
                throw error("undefined variable \"" + variable + "\"");
            }
        } else {
            int i = w[0].startsWith("+") || w[0].startsWith("-") ? 1 : 0;
            int digits = i;
            while (digits < w[0].length() && Character.isDigit(w[0].charAt(digits)) && w[0].charAt(digits) < 128) {
                digits++;
            }
            if (digits == i || (digits < w[0].length() && unit != null)) {
                throw error("\\sleep: invalid sleep time \"" + w[0] + "\", must be an integer or a :variable");
            }
            if (digits < w[0].length()) {
                unit = w[0].substring(digits); // "10ms"
            }
            try {
                amount = Long.parseLong(w[0].substring(0, digits));
            } catch (NumberFormatException e) {
                throw error("\\sleep: invalid sleep time \"" + w[0] + "\", out of range");
            }
        }
        String u = unit == null ? "s" : unit.toLowerCase(Locale.ROOT);
        if (!u.equals("us") && !u.equals("ms") && !u.equals("s")) {
            throw error("\\sleep: unrecognized time unit \"" + unit + "\", must be us, ms or s");
        }
        p.commands.add(new Command.Sleep(at, amount, variable, slot, u));
    }
}
