package org.hapager.workload.pgbench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads scripts in pgbench's format (see the package documentation): SQL commands end at {@code ;} and may
 * span lines; meta-commands start with a backslash and end at the end of the line, a trailing backslash
 * continuing it; {@code --} and {@code /* *}{@code /} comments and blank lines are ignored. Every error is a
 * {@link ScriptException} at {@code FILE:LINE}.
 */
public final class ScriptParser {

    final String file;
    private final String text;
    final List<Command> commands = new ArrayList<>();
    /** Variable name to slot: the presets, then each variable when first set. */
    final Map<String, Integer> slots = new LinkedHashMap<>();
    private int pos;
    private int line = 1;
    private final StringBuilder sqlText = new StringBuilder();
    private final StringBuilder sqlJdbc = new StringBuilder();
    private final List<String> params = new ArrayList<>();
    private final List<Integer> paramSlots = new ArrayList<>();
    private int sqlLine;
    private int openBegin;

    private ScriptParser(String file, String text) {
        this.file = file;
        this.text = text;
        for (String p : Script.PRESETS) {
            slots.put(p, slots.size());
        }
    }

    /** Reads and parses a UTF-8 file; the script is named after the file, without directory and extension. */
    public static Script parseFile(Path path) {
        String label = path.toString();
        String content;
        try {
            content = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(path))).toString();
        } catch (NoSuchFileException e) {
            throw new ScriptException(label, 0, "cannot read script: no such file", e);
        } catch (CharacterCodingException e) {
            throw new ScriptException(label, 0, "cannot read script: not UTF-8 text", e);
        } catch (IOException e) {
            throw new ScriptException(label, 0, "cannot read script: " + e, e);
        }
        return parse(label, baseName(path), content);
    }

    /** Parses {@code text}, named as {@link #parseFile} would name {@code file}. */
    public static Script parse(String file, String text) {
        return parse(file, baseName(Path.of(file)), text);
    }

    /** Parses {@code text} as the script {@code name} from {@code file} (used in error messages). */
    public static Script parse(String file, String name, String text) {
        return new ScriptParser(file, text).run(name, false);
    }

    static Script parseBuiltin(String name, String text) {
        return new ScriptParser("builtin:" + name, text).run(name, true);
    }

    /** {@code scripts/tpcb-like.sql} gives {@code tpcb-like}. */
    static String baseName(Path path) {
        Path f = path.getFileName();
        String n = f == null ? path.toString() : f.toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    private Script run(String name, boolean builtin) {
        int n = text.length();
        while (pos < n) {
            char c = text.charAt(pos);
            if (sqlLine == 0) {
                if (c == '\n') {
                    line++;
                    pos++;
                } else if (Character.isWhitespace(c) || c == '\uFEFF') {
                    pos++;
                } else if (text.startsWith("--", pos)) {
                    skipLineComment();
                } else if (text.startsWith("/*", pos)) {
                    skipBlockComment();
                } else if (c == '\\') {
                    metaCommand();
                } else if (c == ';') {
                    pos++; // an empty statement
                } else {
                    sqlLine = line;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quoted(c);
            } else if (text.startsWith("--", pos)) {
                skipLineComment();
            } else if (text.startsWith("/*", pos)) {
                skipBlockComment();
                append(" ");
            } else if (c == ';') {
                pos++;
                endSql();
            } else if (c == '\\') {
                endSql(); // as in pgbench, a meta-command ends the SQL before it
                metaCommand();
            } else if (c == ':') {
                colon();
            } else {
                if (c == '\n') {
                    line++;
                }
                append(String.valueOf(c));
                pos++;
            }
        }
        endSql();
        if (openBegin > 0) {
            throw new ScriptException(file, openBegin, "BEGIN without END, COMMIT or ROLLBACK before the end of the script");
        }
        if (commands.isEmpty()) {
            throw new ScriptException(file, 0, "empty script: no SQL command or meta-command");
        }
        return new Script(name, file, builtin, 1, commands, new ArrayList<>(slots.keySet()));
    }

    private void append(String s) {
        sqlText.append(s);
        sqlJdbc.append(s);
    }

    private void skipLineComment() {
        while (pos < text.length() && text.charAt(pos) != '\n') {
            pos++;
        }
    }

    private void skipBlockComment() {
        int start = line;
        int depth = 0;
        while (pos < text.length()) {
            if (text.startsWith("/*", pos)) {
                depth++;
                pos += 2;
            } else if (text.startsWith("*/", pos)) {
                depth--;
                pos += 2;
                if (depth == 0) {
                    return;
                }
            } else {
                if (text.charAt(pos) == '\n') {
                    line++;
                }
                pos++;
            }
        }
        throw new ScriptException(file, start, "unterminated /* comment");
    }

    /** A string literal or quoted identifier, copied as is: no {@code :var} is replaced inside. */
    private void quoted(char q) {
        int start = line;
        int from = pos++;
        while (true) {
            if (pos >= text.length()) {
                throw new ScriptException(file, start, q == '\'' ? "unterminated quoted string" : "unterminated quoted identifier");
            }
            char c = text.charAt(pos++);
            if (c == '\n') {
                line++;
            } else if (c == q) {
                if (pos < text.length() && text.charAt(pos) == q) {
                    pos++; // doubled quote
                } else {
                    break;
                }
            }
        }
        append(text.substring(from, pos));
    }

    /** {@code :name} becomes a parameter; {@code ::} (a cast) and a lone colon stay. */
    private void colon() {
        int n = text.length();
        if (pos + 1 < n && text.charAt(pos + 1) == ':') {
            int from = pos;
            while (pos < n && text.charAt(pos) == ':') {
                pos++;
            }
            append(text.substring(from, pos));
            return;
        }
        if (pos + 1 < n && isNameStart(text.charAt(pos + 1))) {
            int from = ++pos;
            while (pos < n && isNamePart(text.charAt(pos))) {
                pos++;
            }
            String name = text.substring(from, pos);
            params.add(name);
            paramSlots.add(use(name));
            sqlText.append(':').append(name);
            sqlJdbc.append('?');
            return;
        }
        append(":");
        pos++;
    }

    private void endSql() {
        String source = sqlText.toString().strip();
        if (sqlLine > 0 && !source.isEmpty()) {
            Command.Kind kind = transactionKind(source);
            if (kind == Command.Kind.BEGIN) {
                openBegin = openBegin > 0 ? openBegin : sqlLine;
            } else if (kind != Command.Kind.STATEMENT) {
                openBegin = 0;
            }
            commands.add(new Command.Sql(sqlLine, kind, source, sqlJdbc.toString().strip(), params,
                    paramSlots.stream().mapToInt(Integer::intValue).toArray()));
        }
        sqlText.setLength(0);
        sqlJdbc.setLength(0);
        params.clear();
        paramSlots.clear();
        sqlLine = 0;
    }

    private Command.Kind transactionKind(String source) {
        String[] w = source.toUpperCase(Locale.ROOT).split("\\s+");
        boolean plain = w.length == 1 || (w.length == 2 && (w[1].equals("WORK") || w[1].equals("TRANSACTION")));
        switch (w[0]) {
            case "BEGIN":
                if (!plain) {
                    throw new ScriptException(file, sqlLine, "BEGIN with options is not supported: \"" + source
                            + "\" (the run's isolation level applies)");
                }
                return Command.Kind.BEGIN;
            case "START":
                if (w.length >= 2 && w[1].equals("TRANSACTION")) {
                    if (w.length > 2) {
                        throw new ScriptException(file, sqlLine, "START TRANSACTION with options is not supported: \""
                                + source + "\" (the run's isolation level applies)");
                    }
                    return Command.Kind.BEGIN;
                }
                return Command.Kind.STATEMENT;
            case "END":
            case "COMMIT":
                return plain ? Command.Kind.COMMIT : Command.Kind.STATEMENT;
            case "ROLLBACK":
            case "ABORT":
                return plain ? Command.Kind.ROLLBACK : Command.Kind.STATEMENT;
            default:
                return Command.Kind.STATEMENT;
        }
    }

    /** The slot of a variable read here; it must be a preset or set by an earlier {@code \set}. */
    private int use(String name) {
        Integer slot = slots.get(name);
        if (slot == null) {
            throw new ScriptException(file, sqlLine > 0 ? sqlLine : line, "undefined variable \"" + name
                    + "\" (set it with \\set before use; preset: " + String.join(", ", Script.PRESETS) + ")");
        }
        return slot;
    }

    private void metaCommand() {
        int start = line;
        StringBuilder b = new StringBuilder();
        pos++; // the backslash
        int n = text.length();
        while (pos < n) {
            char c = text.charAt(pos);
            if (c == '\\' && (text.startsWith("\n", pos + 1) || text.startsWith("\r\n", pos + 1))) {
                pos += text.charAt(pos + 1) == '\n' ? 2 : 3;
                line++;
                b.append(' ');
            } else if (c == '\n') {
                pos++;
                line++;
                break;
            } else {
                b.append(c);
                pos++;
            }
        }
        new MetaCommand(this, start, b.toString()).parse();
    }

    static boolean isNameStart(char c) {
        return c == '_' || (c < 128 ? Character.isLetter(c) : Character.isLetterOrDigit(c));
    }

    static boolean isNamePart(char c) {
        return c == '_' || Character.isLetterOrDigit(c);
    }

    static boolean validName(String s) {
        if (s.isEmpty() || !isNameStart(s.charAt(0))) {
            return false;
        }
        return s.chars().allMatch(c -> isNamePart((char) c));
    }
}
