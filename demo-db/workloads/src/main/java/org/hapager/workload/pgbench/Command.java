package org.hapager.workload.pgbench;

import java.util.List;

/**
 * One command of a {@link Script}: an SQL statement, a {@code \set} or a {@code \sleep}, with the line it
 * starts on. Immutable; made by {@link ScriptParser}.
 */
public sealed interface Command permits Command.Sql, Command.Set, Command.Sleep {

    /** The 1-based line of the script where the command starts. */
    int line();

    /** What an SQL command does to the transaction. */
    enum Kind {
        /** Any statement: sent to the database as a prepared statement. */
        STATEMENT,
        /** {@code BEGIN [WORK | TRANSACTION]}, {@code START TRANSACTION}: statements up to the end form one transaction. */
        BEGIN,
        /** {@code END} or {@code COMMIT} [{@code WORK} | {@code TRANSACTION}]: commits. */
        COMMIT,
        /** {@code ROLLBACK} or {@code ABORT} [{@code WORK} | {@code TRANSACTION}]: rolls back. */
        ROLLBACK
    }

    /** An SQL command: its text, and the JDBC text where each {@code :var} is a {@code ?} parameter. */
    final class Sql implements Command {
        private final int line;
        private final Kind kind;
        private final String text;
        private final String jdbc;
        private final List<String> parameters;
        final int[] slots;

        Sql(int line, Kind kind, String text, String jdbc, List<String> parameters, int[] slots) {
            this.line = line;
            this.kind = kind;
            this.text = text;
            this.jdbc = jdbc;
            this.parameters = List.copyOf(parameters);
            this.slots = slots.clone();
        }

        @Override
        public int line() {
            return line;
        }

        public Kind kind() {
            return kind;
        }

        /** The statement as written, comments removed, without its {@code ;}. */
        public String text() {
            return text;
        }

        /** The statement sent to the database: {@code :var} replaced by {@code ?}. */
        public String jdbc() {
            return jdbc;
        }

        /** The variables bound to the {@code ?} parameters, in order. */
        public List<String> parameters() {
            return parameters;
        }

        @Override
        public String toString() {
            return line + ": " + text;
        }
    }

    /** {@code \set variable expression}. */
    final class Set implements Command {
        private final int line;
        private final String variable;
        private final String expression;
        final int slot;
        final Expr expr;

        Set(int line, String variable, int slot, String expression, Expr expr) {
            this.line = line;
            this.variable = variable;
            this.slot = slot;
            this.expression = expression;
            this.expr = expr;
        }

        @Override
        public int line() {
            return line;
        }

        public String variable() {
            return variable;
        }

        /** The expression as written. */
        public String expression() {
            return expression;
        }

        /** The expression's value if it is constant (folded at parse time), else null. */
        public Value constantValue() {
            return expr instanceof Expr.Const c ? c.value() : null;
        }

        @Override
        public String toString() {
            return line + ": \\set " + variable + " " + expression;
        }
    }

    /** {@code \sleep amount [us | ms | s]}, the amount an integer or a variable. */
    final class Sleep implements Command {
        private final int line;
        private final long amount;
        private final String variable;
        private final String unit;
        final int slot;

        Sleep(int line, long amount, String variable, int slot, String unit) {
            this.line = line;
            this.amount = amount;
            this.variable = variable;
            this.slot = slot;
            this.unit = unit;
        }

        @Override
        public int line() {
            return line;
        }

        /** The constant amount; 0 when it comes from {@link #variable()}. */
        public long amount() {
            return amount;
        }

        /** The variable holding the amount, or null. */
        public String variable() {
            return variable;
        }

        /** {@code us}, {@code ms} or {@code s} (the default). */
        public String unit() {
            return unit;
        }

        /** Microseconds in one unit. */
        public long unitMicros() {
            return switch (unit) {
                case "us" -> 1L;
                case "ms" -> 1_000L;
                default -> 1_000_000L;
            };
        }

        /** How long to sleep, in microseconds, with the frame's variables; 0 if negative. */
        long micros(Frame f) {
            long n = amount;
            if (variable != null) {
                Value v = f.vars[slot];
                if (v == null) {
                    throw new EvalException("undefined variable \"" + variable + "\"");
                }
                if (v.isBoolean()) {
                    throw new EvalException("invalid sleep time " + v + " in variable \"" + variable + "\"");
                }
                // pgbench reads the variable's text with atoi: a double is truncated
                n = v.isInt() ? v.longValue() : (long) v.doubleValue();
            }
            if (n <= 0) {
                return 0;
            }
            long unitMicros = unitMicros();
            return n > Long.MAX_VALUE / unitMicros ? Long.MAX_VALUE : n * unitMicros;
        }

        @Override
        public String toString() {
            return line + ": \\sleep " + (variable != null ? ":" + variable : Long.toString(amount)) + " " + unit;
        }
    }
}
