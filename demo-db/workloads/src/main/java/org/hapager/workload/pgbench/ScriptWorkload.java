package org.hapager.workload.pgbench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import org.hapager.workload.driver.Retryable;
import org.hapager.workload.driver.Workload;
import org.hapager.workload.driver.WorkloadClient;

/**
 * pgbench-style scripts as a {@link Workload}: each transaction, a client picks a script at random by weight
 * (as pgbench's {@code -f a@1 -f b@3}) and runs it from start to end; the transaction types are the scripts'
 * names. The workload is named {@code tpcb} when it is exactly the {@code tpcb-like} builtin, else
 * {@code script}.
 *
 * <p>Running a script: {@code \set} evaluates its expression into the client's variable;
 * {@code \sleep} parks the thread (the time counts in the transaction's latency, as in pgbench); an SQL
 * command runs as a prepared statement (prepared once per connection, released when the driver says the
 * connection goes away) with its {@code :var} parameters bound to the variables' values, integers with
 * {@code setLong}, doubles with {@code setDouble}, booleans with {@code setBoolean}; a SELECT's rows are all
 * read. Statements between {@code BEGIN} and {@code END}/{@code COMMIT} form one database transaction;
 * {@code ROLLBACK} rolls it back; a statement outside such a block is committed on its own, as in
 * auto-commit. A script that ends normally counts as committed, whatever it did (pgbench counts it as a
 * processed transaction).
 *
 * <p>A deadlock or lock time-out anywhere in the script ({@link Retryable}) rolls back the open
 * transaction and runs the script again from its start, with the same random draws and so the same variable
 * values (pgbench's {@code --max-tries}), calling the driver's {@code retried} each time, up to
 * {@code maxTries} tries in all; then, or at any other error, the error is thrown with the script's
 * {@code FILE:LINE} in its message. Client {@code i} draws from {@code new SplittableRandom(seed + i + 1)}:
 * the script choice, then a seed for each transaction's own generator.
 */
public final class ScriptWorkload implements Workload {

    /** Tries per transaction (first included) before a deadlock or lock time-out counts as a failure. */
    public static final int DEFAULT_MAX_TRIES = 10;

    private final List<Script> scripts;
    private final List<String> types;
    private final int scale;
    private final int maxTries;
    private final long totalWeight;
    private final int frameSize;

    /** With {@link #DEFAULT_MAX_TRIES}. */
    public ScriptWorkload(List<Script> scripts, int scale) {
        this(scripts, scale, DEFAULT_MAX_TRIES);
    }

    /**
     * @param scripts  at least one, weights adding up to more than 0
     * @param scale    the value of {@code :scale}, e.g. {@link PgbenchSchema#detectScale}
     * @param maxTries tries per transaction, first included (pgbench's {@code --max-tries}), at least 1
     * @throws ScriptException no script, or the weights add up to 0
     */
    public ScriptWorkload(List<Script> scripts, int scale, int maxTries) {
        if (maxTries < 1) {
            throw new IllegalArgumentException("maxTries must be at least 1");
        }
        this.totalWeight = checkWeights(scripts);
        this.scripts = List.copyOf(scripts);
        this.scale = scale;
        this.maxTries = maxTries;
        this.types = uniqueNames(this.scripts);
        this.frameSize = this.scripts.stream().mapToInt(s -> s.variables().size()).max().orElse(0);
    }

    /** The sum of the weights. @throws ScriptException when there is no script or the sum is 0 */
    static long checkWeights(List<Script> scripts) {
        if (scripts.isEmpty()) {
            throw new ScriptException(null, 0, "no script to run");
        }
        long total = scripts.stream().mapToLong(Script::weight).sum();
        if (total == 0) {
            throw new ScriptException(null, 0, "total script weight must not be zero");
        }
        return total;
    }

    /** The scripts' names, {@code #2}, {@code #3} ... appended to the second and later of a repeated name. */
    private static List<String> uniqueNames(List<Script> scripts) {
        Map<String, Integer> seen = new HashMap<>();
        List<String> names = new ArrayList<>();
        for (Script s : scripts) {
            int n = seen.merge(s.name(), 1, Integer::sum);
            names.add(n == 1 ? s.name() : s.name() + "#" + n);
        }
        return List.copyOf(names);
    }

    @Override
    public String name() {
        return scripts.size() == 1 && scripts.get(0).isBuiltin() && scripts.get(0).name().equals(Builtins.TPCB_LIKE)
                ? "tpcb" : "script";
    }

    @Override
    public List<String> types() {
        return types;
    }

    public List<Script> scripts() {
        return scripts;
    }

    public int scale() {
        return scale;
    }

    public int maxTries() {
        return maxTries;
    }

    @Override
    public WorkloadClient client(int index, long seed) {
        return new Client(index, new SplittableRandom(seed + index + 1));
    }

    /** One client: its generator, its variables, and its prepared statements on the current connection. */
    private final class Client implements WorkloadClient {
        private final SplittableRandom random;
        private final Frame frame;
        private final Map<String, PreparedStatement> statements = new HashMap<>();
        private Connection connection;
        private Script current;
        private long transactionSeed;

        Client(int index, SplittableRandom random) {
            this.random = random;
            this.frame = new Frame(frameSize, null).preset(scale, index);
        }

        @Override
        public int nextType() {
            int i = 0;
            if (scripts.size() > 1) {
                long w = random.nextLong(totalWeight);
                while ((w -= scripts.get(i).weight()) >= 0) {
                    i++;
                }
            }
            current = scripts.get(i);
            transactionSeed = random.nextLong();
            return i;
        }

        @Override
        public boolean execute(Connection c, Runnable retried) throws SQLException {
            if (c != connection) {
                disconnected();
                connection = c;
            }
            for (int attempt = 1; ; attempt++) {
                frame.random = new SplittableRandom(transactionSeed);
                try {
                    run(current);
                    return true;
                } catch (SQLException e) {
                    rollback(e);
                    if (!Retryable.isRetryable(e)) {
                        throw e;
                    }
                    if (attempt >= maxTries) {
                        throw new SQLException(e.getMessage() + " (still " + e.getSQLState() + " after " + attempt
                                + (attempt == 1 ? " try)" : " tries)"), e.getSQLState(), e.getErrorCode(), e);
                    }
                    retried.run();
                } catch (RuntimeException e) {
                    rollback(e);
                    throw e;
                }
            }
        }

        private void rollback(Exception cause) {
            if (connection == null) {
                return; // a script of meta-commands only, run without a database
            }
            try {
                connection.rollback();
            } catch (SQLException r) {
                cause.addSuppressed(r);
            }
        }

        private void run(Script script) throws SQLException {
            boolean inTransaction = false;
            for (Command command : script.commands()) {
                try {
                    if (command instanceof Command.Set s) {
                        frame.vars[s.slot] = s.expr.eval(frame);
                    } else if (command instanceof Command.Sleep s) {
                        sleep(s.micros(frame));
                    } else {
                        Command.Sql q = (Command.Sql) command;
                        switch (q.kind()) {
                            case BEGIN -> inTransaction = true;
                            case COMMIT -> {
                                connection.commit();
                                inTransaction = false;
                            }
                            case ROLLBACK -> {
                                connection.rollback();
                                inTransaction = false;
                            }
                            case STATEMENT -> {
                                statement(q);
                                if (!inTransaction) {
                                    connection.commit();
                                }
                            }
                        }
                    }
                } catch (EvalException e) {
                    String what = command instanceof Command.Set s ? "\\set " + s.variable() + ": "
                            : command instanceof Command.Sleep ? "\\sleep: " : "";
                    throw new ScriptException(script.file(), command.line(), what + e.getMessage());
                } catch (SQLException e) {
                    throw new SQLException(ScriptException.location(script.file(), command.line()) + e.getMessage(),
                            e.getSQLState(), e.getErrorCode(), e);
                }
            }
            if (inTransaction) {
                connection.commit(); // the parser refuses a BEGIN without END; defensive
            }
        }

        private void statement(Command.Sql q) throws SQLException {
            PreparedStatement ps = statements.get(q.jdbc());
            if (ps == null) {
                ps = connection.prepareStatement(q.jdbc());
                statements.put(q.jdbc(), ps);
            }
            for (int i = 0; i < q.slots.length; i++) {
                Value v = frame.vars[q.slots[i]];
                if (v == null) {
                    throw new EvalException("undefined variable \"" + q.parameters().get(i) + "\"");
                }
                switch (v.type()) {
                    case INT -> ps.setLong(i + 1, v.longValue());
                    case DOUBLE -> ps.setDouble(i + 1, v.doubleValue());
                    case BOOLEAN -> ps.setBoolean(i + 1, v.booleanValue());
                }
            }
            boolean isResultSet = ps.execute();
            while (true) {
                if (isResultSet) {
                    try (ResultSet rs = ps.getResultSet()) {
                        while (rs.next()) {
                            // pgbench fetches every row
                        }
                    }
                } else if (ps.getUpdateCount() == -1) {
                    return;
                }
                isResultSet = ps.getMoreResults();
            }
        }

        @Override
        public void disconnected() {
            for (PreparedStatement ps : statements.values()) {
                try {
                    ps.close();
                } catch (SQLException ignored) {
                    // the connection may already be gone
                }
            }
            statements.clear();
            connection = null;
        }
    }

    /** Parks the thread for {@code micros} (until interrupted). */
    static void sleep(long micros) {
        long nanos = micros > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : micros * 1000;
        long deadline = System.nanoTime() + nanos;
        long left = nanos;
        while (left > 0 && !Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(left);
            left = deadline - System.nanoTime();
        }
    }
}
