/**
 * pgbench-compatible workloads: PostgreSQL pgbench's TPC-B-like tables, loader and consistency checks, and
 * custom scripts in pgbench's format run by the {@link org.hapager.workload.driver.Driver} as a
 * {@link org.hapager.workload.pgbench.ScriptWorkload}.
 *
 * <h2>The script format (a subset of pgbench's "Custom Scripts")</h2>
 * <p>A script is UTF-8 text. Blank lines, {@code --} comments (to the end of the line) and
 * {@code /* *}{@code /} comments (nested) are ignored outside quotes.
 * <ul>
 *   <li><b>SQL commands</b> end at a {@code ;} outside quotes and comments and may span lines; the last one
 *   needs no {@code ;}. In a command, {@code :name} (a letter or {@code _}, then letters, digits, {@code _})
 *   is replaced by a JDBC {@code ?} parameter bound to the variable's value: {@code setLong} for an integer,
 *   {@code setDouble} for a double, {@code setBoolean} for a boolean. {@code ::} (a cast), a colon followed
 *   by anything else, and everything inside {@code '...'} string literals and {@code "..."} quoted
 *   identifiers are left as written. (pgbench substitutes inside quotes too; parameters cannot be there.)
 *   The database must accept a {@code ?} where the variable is used: on Derby, {@code CAST(:x AS DOUBLE)}
 *   where nothing else gives it a type.</li>
 *   <li><b>Transactions</b>: {@code BEGIN}, {@code BEGIN WORK|TRANSACTION} and {@code START TRANSACTION} open
 *   a transaction block, {@code END} and {@code COMMIT} [{@code WORK|TRANSACTION}] commit it,
 *   {@code ROLLBACK} and {@code ABORT} [{@code WORK|TRANSACTION}] roll it back. These are not sent to the
 *   database: the executor drives the connection (auto-commit off) itself, so scripts written for
 *   PostgreSQL run on databases without {@code BEGIN}/{@code END}, such as Derby. A statement outside a
 *   block is committed on its own, as in auto-commit. {@code BEGIN} with options (an isolation level) is
 *   refused: the run's isolation level applies. A {@code BEGIN} that the script does not close is refused at
 *   parse time.</li>
 *   <li><b>Meta-commands</b> start with a backslash (at the start of a line, after a {@code ;}, or ending the
 *   SQL before them, as in pgbench) and end at the end of the line; a backslash at the very end of a line
 *   continues it. Names are case-insensitive. Supported:
 *   <ul>
 *     <li>{@code \set name expression}: evaluates the expression (below) into the variable.</li>
 *     <li>{@code \sleep n [us | ms | s]}, {@code n} an integer or {@code :variable} (a double is truncated, a
 *     negative time does not sleep), seconds by default, the unit possibly attached ({@code 10ms}).</li>
 *   </ul>
 *   Every other meta-command is refused with its name: pgbench's {@code \gset}, {@code \aset},
 *   {@code \if}, {@code \elif}, {@code \else}, {@code \endif}, {@code \setshell}, {@code \shell},
 *   {@code \startpipeline}, {@code \endpipeline}, {@code \syncpipeline}, the removed {@code \setrandom},
 *   and unknown ones.</li>
 * </ul>
 *
 * <h2>Expressions</h2>
 * <p>pgbench's grammar, by increasing precedence: {@code OR}; {@code AND}; {@code NOT}; comparisons
 * {@code = <> != < <= > >=} (not chained); bitwise {@code | # & << >>} and prefix {@code ~}; {@code + -};
 * {@code * / %}; prefix {@code + -}; binary operators associate to the left. Operands: integer constants
 * (64-bit), double constants ({@code 3.14}, {@code .5}, {@code 1e3}), {@code TRUE}, {@code FALSE},
 * {@code :variables}, parentheses, function calls. Values are 64-bit integers, doubles or booleans, with
 * pgbench's rules: an operation on two integers is an integer operation, exact (overflow is an error),
 * division truncating toward zero and {@code %} taking the sign of the dividend; if either side is a double
 * the operation is on doubles; {@code %}, bitwise operators and integer arguments round a double to the
 * nearest integer (half to even); booleans are not numbers, numbers are true when not zero; {@code AND}
 * and {@code OR} evaluate their right side only when needed. Division by zero is an error for doubles too
 * (pgbench gives an infinity, which no SQL parameter accepts). {@code NULL}, {@code CASE} and
 * {@code IS [NOT] NULL} are refused.
 *
 * <p>Functions (case-insensitive): {@code abs}, {@code double}, {@code exp}, {@code greatest},
 * {@code int}, {@code least}, {@code ln}, {@code mod}, {@code pi}, {@code pow}/{@code power}, {@code sqrt},
 * and the random family on the client's generator: {@code random(lb, ub)} (uniform),
 * {@code random_exponential(lb, ub, parameter)} (parameter &gt; 0), {@code random_gaussian(lb, ub,
 * parameter)} (parameter &ge; 2) and {@code random_zipfian(lb, ub, parameter)} (parameter in [1.001, 1000],
 * as pgbench 13+), each giving an integer in {@code [lb, ub]}; see {@link
 * org.hapager.workload.pgbench.PgbenchRandom} for the formulas. pgbench's {@code debug}, {@code hash},
 * {@code hash_fnv1a}, {@code hash_murmur2} and {@code permute} are refused.
 *
 * <h2>Variables</h2>
 * <p>{@code :scale} (the run's scale: pgbench's number of rows in {@code pgbench_branches}) and
 * {@code :client_id} (the client's index, from 0) are preset. Any other variable must be set by a
 * {@code \set} earlier in the same script before it is read: an undefined variable is an error at parse
 * time, with its name.
 *
 * <h2>Errors</h2>
 * <p>Every error is a {@link org.hapager.workload.pgbench.ScriptException} whose message starts with
 * {@code FILE:LINE: } (the line where the command starts). Errors that can be found without running are
 * found by the parser: syntax, unknown or unsupported meta-commands and functions, argument counts,
 * undefined variables, and anything wrong in a constant sub-expression (division by zero, overflow, a
 * random function's empty range or parameter out of range), since constant sub-expressions are evaluated
 * at parse time. The same checks on values known only at run time fail the transaction, with the same
 * {@code FILE:LINE: } prefix; so do SQL errors, whose message gets the prefix too.
 *
 * <h2>Running</h2>
 * <p>See {@link org.hapager.workload.pgbench.ScriptWorkload}: scripts chosen by weight, prepared statements
 * per connection, SELECT results read to the end, and deadlocks and lock time-outs retried from the start
 * of the script with the same values, up to a number of tries (default 10).
 */
package org.hapager.workload.pgbench;
