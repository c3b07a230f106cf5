package org.hapager.workload.pgbench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToIntFunction;

/**
 * Parses the expression of a {@code \set} command with pgbench's grammar and precedence (lowest first):
 * {@code OR}; {@code AND}; {@code NOT}; comparisons {@code = <> != < <= > >=} (not chained); bitwise
 * {@code | # & << >>} and prefix {@code ~}; {@code + -}; {@code * / %}; prefix {@code + -}. Operands are
 * integer constants ({@code 5432}), double constants ({@code 3.14}, {@code .5}, {@code 1e3}), {@code TRUE},
 * {@code FALSE}, {@code :variables}, parenthesized expressions and function calls. {@code NULL},
 * {@code CASE} and {@code IS [NOT] NULL} are refused. Keywords and function names are case-insensitive.
 *
 * <p>Constant sub-expressions are evaluated here, so that their errors (division by zero, overflow, a bad
 * function argument) are reported at parse time; so are the constant range and parameter of the random
 * functions. Every error is a {@link ScriptException} at the command's file and line.
 */
final class ExprParser {

    private final String file;
    private final int line;
    private final String text;
    private final ToIntFunction<String> slots;
    private int pos;
    private Token token;

    private enum Kind { INT, MAX_PLUS_ONE, DOUBLE, VAR, IDENT, OP, END }

    private record Token(Kind kind, String text, int column, long i, double d) {
    }

    /**
     * @param slots gives a variable's slot, or throws {@link ScriptException} when it is not defined yet
     */
    private ExprParser(String file, int line, String text, ToIntFunction<String> slots) {
        this.file = file;
        this.line = line;
        this.text = text;
        this.slots = slots;
    }

    static Expr parse(String file, int line, String text, ToIntFunction<String> slots) {
        ExprParser p = new ExprParser(file, line, text, slots);
        p.advance();
        if (p.token.kind == Kind.END) {
            throw p.error("missing expression");
        }
        Expr e = p.or();
        if (p.token.kind != Kind.END) {
            throw p.unexpected();
        }
        return e;
    }

    private ScriptException error(String problem) {
        return new ScriptException(file, line, problem);
    }

    private ScriptException unexpected() {
        String what = token.kind == Kind.END ? "end of expression" : "\"" + token.text + "\"";
        return error("syntax error in expression \"" + text.strip() + "\": unexpected " + what
                + " at column " + (token.column + 1));
    }

    // ---- grammar, lowest precedence first ----

    private Expr or() {
        Expr e = and();
        while (keyword("or")) {
            advance();
            e = fold(new Expr.Binary(Expr.BinaryOp.OR, e, and()));
        }
        return e;
    }

    private Expr and() {
        Expr e = not();
        while (keyword("and")) {
            advance();
            e = fold(new Expr.Binary(Expr.BinaryOp.AND, e, not()));
        }
        return e;
    }

    private Expr not() {
        if (keyword("not")) {
            advance();
            return fold(new Expr.Unary(Expr.UnaryOp.NOT, not()));
        }
        Expr e = comparison();
        if (keyword("is") || keyword("isnull") || keyword("notnull")) {
            throw error("IS, ISNULL and NOTNULL are not supported (there is no NULL)");
        }
        return e;
    }

    private Expr comparison() {
        Expr e = bitwise();
        Expr.BinaryOp op = comparisonOp();
        if (op != null) {
            advance();
            e = fold(new Expr.Binary(op, e, bitwise()));
            if (comparisonOp() != null) {
                throw unexpected();
            }
        }
        return e;
    }

    private Expr.BinaryOp comparisonOp() {
        if (token.kind != Kind.OP) {
            return null;
        }
        return switch (token.text) {
            case "=" -> Expr.BinaryOp.EQ;
            case "<>", "!=" -> Expr.BinaryOp.NE;
            case "<" -> Expr.BinaryOp.LT;
            case "<=" -> Expr.BinaryOp.LE;
            case ">" -> Expr.BinaryOp.GT;
            case ">=" -> Expr.BinaryOp.GE;
            default -> null;
        };
    }

    private Expr bitwise() {
        Expr e = bitwiseOperand();
        while (true) {
            Expr.BinaryOp op = token.kind != Kind.OP ? null : switch (token.text) {
                case "|" -> Expr.BinaryOp.BITOR;
                case "#" -> Expr.BinaryOp.BITXOR;
                case "&" -> Expr.BinaryOp.BITAND;
                case "<<" -> Expr.BinaryOp.SHL;
                case ">>" -> Expr.BinaryOp.SHR;
                default -> null;
            };
            if (op == null) {
                return e;
            }
            advance();
            e = fold(new Expr.Binary(op, e, bitwiseOperand()));
        }
    }

    private Expr bitwiseOperand() {
        if (op("~")) {
            advance();
            return fold(new Expr.Unary(Expr.UnaryOp.BITNOT, bitwiseOperand()));
        }
        return additive();
    }

    private Expr additive() {
        Expr e = multiplicative();
        while (op("+") || op("-")) {
            Expr.BinaryOp op = op("+") ? Expr.BinaryOp.ADD : Expr.BinaryOp.SUB;
            advance();
            e = fold(new Expr.Binary(op, e, multiplicative()));
        }
        return e;
    }

    private Expr multiplicative() {
        Expr e = unary();
        while (op("*") || op("/") || op("%")) {
            Expr.BinaryOp op = op("*") ? Expr.BinaryOp.MUL : op("/") ? Expr.BinaryOp.DIV : Expr.BinaryOp.MOD;
            advance();
            e = fold(new Expr.Binary(op, e, unary()));
        }
        return e;
    }

    private Expr unary() {
        if (op("+")) {
            advance();
            return unary();
        }
        if (op("-")) {
            advance();
            if (token.kind == Kind.MAX_PLUS_ONE) {
                advance();
                return new Expr.Const(Value.of(Long.MIN_VALUE));
            }
            return fold(new Expr.Unary(Expr.UnaryOp.NEG, unary()));
        }
        return primary();
    }

    private Expr primary() {
        Token t = token;
        switch (t.kind) {
            case INT:
                advance();
                return new Expr.Const(Value.of(t.i));
            case DOUBLE:
                advance();
                return new Expr.Const(Value.of(t.d));
            case MAX_PLUS_ONE:
                throw error("bigint constant overflow: " + t.text);
            case VAR:
                advance();
                return new Expr.Var(t.text, slots.applyAsInt(t.text));
            case IDENT:
                return identifier();
            case OP:
                if (op("(")) {
                    advance();
                    Expr e = or();
                    expect(")");
                    return e;
                }
                throw unexpected();
            default:
                throw unexpected();
        }
    }

    private Expr identifier() {
        Token t = token;
        String name = t.text.toLowerCase(Locale.ROOT);
        switch (name) {
            case "true", "false" -> {
                advance();
                return new Expr.Const(Value.of(name.equals("true")));
            }
            case "null" -> throw error("NULL is not supported");
            case "case" -> throw error("CASE is not supported");
            default -> { }
        }
        advance();
        if (!op("(")) {
            throw error("syntax error in expression \"" + text.strip() + "\": \"" + t.text
                    + "\" is neither a function call nor a keyword (a variable is written :" + t.text + ")");
        }
        Function f = Function.find(name);
        if (f == null) {
            throw error((Function.UNSUPPORTED.contains(name) ? "unsupported function " : "unknown function ")
                    + t.text + "()");
        }
        advance();
        List<Expr> args = new ArrayList<>();
        if (!op(")")) {
            args.add(or());
            while (op(",")) {
                advance();
                args.add(or());
            }
        }
        expect(")");
        if (args.size() < f.minArgs || args.size() > f.maxArgs) {
            throw error("wrong number of arguments for " + f.sqlName + "(): " + args.size() + ", expected "
                    + f.arity());
        }
        Expr.Call call = new Expr.Call(f, args);
        if (f.random) {
            checkRandomArguments(f, args);
            return call;
        }
        return fold(call);
    }

    /** The bounds and parameter of a random function, where they are constant. */
    private void checkRandomArguments(Function f, List<Expr> args) {
        try {
            if (args.get(0).constant() && args.get(1).constant()) {
                PgbenchRandom.checkRange(f.sqlName, args.get(0).eval(null).toInt(), args.get(1).eval(null).toInt());
            }
            if (args.size() == 3 && args.get(2).constant()) {
                PgbenchRandom.checkParameter(f.sqlName, args.get(2).eval(null).toDouble());
            }
        } catch (EvalException e) {
            throw error(e.getMessage());
        }
    }

    /** A constant expression's value now, so that its errors come at parse time. */
    private Expr fold(Expr e) {
        if (!e.constant() || e instanceof Expr.Const) {
            return e;
        }
        try {
            return new Expr.Const(e.eval(null));
        } catch (EvalException x) {
            throw error(x.getMessage());
        }
    }

    // ---- tokens ----

    private boolean op(String s) {
        return token.kind == Kind.OP && token.text.equals(s);
    }

    private boolean keyword(String k) {
        return token.kind == Kind.IDENT && token.text.equalsIgnoreCase(k);
    }

    private void expect(String s) {
        if (!op(s)) {
            throw unexpected();
        }
        advance();
    }

    private void advance() {
        int n = text.length();
        while (pos < n && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
        int start = pos;
        if (pos >= n) {
            token = new Token(Kind.END, "", start, 0, 0);
            return;
        }
        char c = text.charAt(pos);
        if (isDigit(c) || (c == '.' && pos + 1 < n && isDigit(text.charAt(pos + 1)))) {
            token = number(start);
        } else if (c == ':' && pos + 1 < n && ScriptParser.isNamePart(text.charAt(pos + 1))) {
            pos++;
            while (pos < n && ScriptParser.isNamePart(text.charAt(pos))) {
                pos++;
            }
            token = new Token(Kind.VAR, text.substring(start + 1, pos), start, 0, 0);
        } else if (ScriptParser.isNameStart(c)) {
            while (pos < n && ScriptParser.isNamePart(text.charAt(pos))) {
                pos++;
            }
            token = new Token(Kind.IDENT, text.substring(start, pos), start, 0, 0);
        } else {
            String two = pos + 1 < n ? text.substring(pos, pos + 2) : "";
            if (List.of("<>", "!=", "<=", ">=", "<<", ">>").contains(two)) {
                pos += 2;
                token = new Token(Kind.OP, two, start, 0, 0);
            } else if ("+-*/%(),=<>&|#~".indexOf(c) >= 0) {
                pos++;
                token = new Token(Kind.OP, String.valueOf(c), start, 0, 0);
            } else {
                throw error("syntax error in expression \"" + text.strip() + "\": unexpected character \"" + c
                        + "\" at column " + (start + 1));
            }
        }
    }

    private Token number(int start) {
        int n = text.length();
        boolean isDouble = false;
        while (pos < n && isDigit(text.charAt(pos))) {
            pos++;
        }
        if (pos < n && text.charAt(pos) == '.') {
            isDouble = true;
            pos++;
            while (pos < n && isDigit(text.charAt(pos))) {
                pos++;
            }
        }
        if (pos < n && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            int e = pos + 1;
            if (e < n && (text.charAt(e) == '+' || text.charAt(e) == '-')) {
                e++;
            }
            if (e < n && isDigit(text.charAt(e))) {
                isDouble = true;
                pos = e;
                while (pos < n && isDigit(text.charAt(pos))) {
                    pos++;
                }
            }
        }
        String s = text.substring(start, pos);
        if (isDouble) {
            return new Token(Kind.DOUBLE, s, start, 0, Double.parseDouble(s));
        }
        try {
            return new Token(Kind.INT, s, start, Long.parseLong(s), 0);
        } catch (NumberFormatException e) {
            if (s.replaceFirst("^0+(?=.)", "").equals("9223372036854775808")) {
                return new Token(Kind.MAX_PLUS_ONE, s, start, 0, 0);
            }
            throw error("bigint constant overflow: " + s);
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
