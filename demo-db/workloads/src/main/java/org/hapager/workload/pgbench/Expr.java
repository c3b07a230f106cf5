package org.hapager.workload.pgbench;

import java.util.List;

/**
 * An expression of a {@code \set} command: constants, variables, pgbench's operators and functions. Nodes
 * are immutable and shared by every client; {@link #eval} takes the client's {@link Frame} and throws
 * {@link EvalException} when the value cannot be computed.
 */
sealed interface Expr {

    Value eval(Frame f);

    /** True when the value never changes: no variable, no random function (the parser folds these). */
    boolean constant();

    /** A literal, or a folded constant expression. */
    record Const(Value value) implements Expr {
        @Override
        public Value eval(Frame f) {
            return value;
        }

        @Override
        public boolean constant() {
            return true;
        }
    }

    /** {@code :name}, in slot {@code slot} of the frame. */
    record Var(String name, int slot) implements Expr {
        @Override
        public Value eval(Frame f) {
            Value v = f.vars[slot];
            if (v == null) {
                throw new EvalException("undefined variable \"" + name + "\"");
            }
            return v;
        }

        @Override
        public boolean constant() {
            return false;
        }
    }

    /** Prefix operators: {@code -x} (pgbench: {@code 0 - x}), {@code ~x} (bitwise not), {@code NOT x}. */
    enum UnaryOp { NEG, BITNOT, NOT }

    record Unary(UnaryOp op, Expr arg) implements Expr {
        @Override
        public Value eval(Frame f) {
            Value v = arg.eval(f);
            return switch (op) {
                case NEG -> BinaryOp.SUB.apply(Value.of(0L), v);
                case BITNOT -> Value.of(~v.toInt());
                case NOT -> Value.of(!v.toBool());
            };
        }

        @Override
        public boolean constant() {
            return arg.constant();
        }
    }

    /** Infix operators, by pgbench's precedence from lowest: OR; AND; comparisons; bitwise; + -; * / %. */
    enum BinaryOp {
        OR("OR"), AND("AND"), EQ("="), NE("<>"), LT("<"), LE("<="), GT(">"), GE(">="),
        BITOR("|"), BITXOR("#"), BITAND("&"), SHL("<<"), SHR(">>"), ADD("+"), SUB("-"), MUL("*"), DIV("/"), MOD("%");

        final String symbol;

        BinaryOp(String symbol) {
            this.symbol = symbol;
        }

        /** For everything but OR and AND, which evaluate their right side only when needed. */
        Value apply(Value l, Value r) {
            switch (this) {
                case BITOR:
                    return Value.of(l.toInt() | r.toInt());
                case BITXOR:
                    return Value.of(l.toInt() ^ r.toInt());
                case BITAND:
                    return Value.of(l.toInt() & r.toInt());
                case SHL:
                    return Value.of(l.toInt() << r.toInt());
                case SHR:
                    return Value.of(l.toInt() >> r.toInt());
                case MOD:
                    return Value.of(modulo(l.toInt(), r.toInt()));
                default:
                    break;
            }
            if (l.isDouble() || r.isDouble()) {
                double a = l.toDouble();
                double b = r.toDouble();
                return switch (this) {
                    case ADD -> Value.of(a + b);
                    case SUB -> Value.of(a - b);
                    case MUL -> Value.of(a * b);
                    case DIV -> {
                        if (b == 0.0) {
                            throw new EvalException("division by zero");
                        }
                        yield Value.of(a / b);
                    }
                    case EQ -> Value.of(a == b);
                    case NE -> Value.of(a != b);
                    case LT -> Value.of(a < b);
                    case LE -> Value.of(a <= b);
                    case GT -> Value.of(a > b);
                    case GE -> Value.of(a >= b);
                    default -> throw new IllegalStateException(name());
                };
            }
            long a = l.toInt();
            long b = r.toInt();
            try {
                return switch (this) {
                    case ADD -> Value.of(Math.addExact(a, b));
                    case SUB -> Value.of(Math.subtractExact(a, b));
                    case MUL -> Value.of(Math.multiplyExact(a, b));
                    case DIV -> Value.of(divide(a, b));
                    case EQ -> Value.of(a == b);
                    case NE -> Value.of(a != b);
                    case LT -> Value.of(a < b);
                    case LE -> Value.of(a <= b);
                    case GT -> Value.of(a > b);
                    case GE -> Value.of(a >= b);
                    default -> throw new IllegalStateException(name());
                };
            } catch (ArithmeticException e) {
                throw new EvalException("bigint out of range: " + a + " " + symbol + " " + b);
            }
        }

        /** Integer division, truncating toward zero. */
        static long divide(long a, long b) {
            if (b == 0) {
                throw new EvalException("division by zero");
            }
            if (b == -1) {
                return Math.negateExact(a);
            }
            return a / b;
        }

        /** The remainder of {@link #divide}, with the sign of {@code a}. */
        static long modulo(long a, long b) {
            if (b == 0) {
                throw new EvalException("division by zero");
            }
            return b == -1 ? 0 : a % b;
        }
    }

    record Binary(BinaryOp op, Expr left, Expr right) implements Expr {
        @Override
        public Value eval(Frame f) {
            Value l = left.eval(f);
            if (op == BinaryOp.AND) {
                return l.toBool() ? Value.of(right.eval(f).toBool()) : Value.FALSE;
            }
            if (op == BinaryOp.OR) {
                return l.toBool() ? Value.TRUE : Value.of(right.eval(f).toBool());
            }
            return op.apply(l, right.eval(f));
        }

        @Override
        public boolean constant() {
            return left.constant() && right.constant();
        }
    }

    /** {@code name(args)}: one of the {@link Function}s. */
    record Call(Function function, List<Expr> args) implements Expr {
        public Call {
            args = List.copyOf(args);
        }

        @Override
        public Value eval(Frame f) {
            Value[] values = new Value[args.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = args.get(i).eval(f);
            }
            return function.apply(values, f);
        }

        @Override
        public boolean constant() {
            return !function.random && args.stream().allMatch(Expr::constant);
        }
    }
}
