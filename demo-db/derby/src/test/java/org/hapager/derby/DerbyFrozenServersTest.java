package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both page servers frozen (SIGSTOP: their connections stay open, nothing answers): a Derby statement that
 * needs them fails with an error naming what it waited for, by the failover deadline and its documented
 * slack, instead of hanging.
 */
class DerbyFrozenServersTest {

    private static final Duration FAILOVER_DEADLINE = Duration.ofSeconds(2);
    /** A safety net far above the bound (the deadline plus two 500 ms leases): reaching it means a hang. */
    private static final Duration HANG = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    @Test
    void aStatementWithBothServersFrozenFailsNamingWhatItWaitedFor() throws Exception {
        ExecutorService derbyThread = Executors.newSingleThreadExecutor();
        try (DerbyCluster cluster = new DerbyCluster("frozen", dir, 8L << 20, FAILOVER_DEADLINE)) {
            try (Connection c = cluster.connect("stuck", "create=true"); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE item (id INT)");
                s.execute("INSERT INTO item VALUES (1)");
                cluster.servers.primary.sigstop();
                cluster.servers.secondary.sigstop();
                try {
                    long start = System.nanoTime();
                    Future<SQLException> outcome = derbyThread.submit(() -> {
                        try {
                            s.execute("CREATE TABLE other (id INT)"); // a new container: files created on the servers
                            return null;
                        } catch (SQLException e) {
                            return e;
                        }
                    });
                    SQLException failure;
                    try {
                        failure = outcome.get(HANG.toSeconds(), TimeUnit.SECONDS);
                    } catch (TimeoutException e) {
                        throw new AssertionError("a statement with both page servers frozen still runs after " + HANG.toSeconds() + " s");
                    }
                    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    System.out.println("the statement failed after " + tookMillis + " ms (failover deadline "
                            + FAILOVER_DEADLINE.toMillis() + " ms)");
                    assertTrue(failure != null, "a statement that needs frozen page servers fails");
                    String chain = describe(failure);
                    String derbyLog = Files.readString(DerbyCluster.derbyLog()); // Derby keeps some causes for its log
                    System.out.println(chain);
                    assertTrue(chain.contains("/frozen/stuck/") || derbyLog.contains("frozen/stuck"),
                            "the error names the file it waited for:\n" + chain);
                } finally {
                    cluster.servers.primary.sigcont();
                    cluster.servers.secondary.sigcont();
                }
            } catch (SQLException afterTheOutage) {
                // closing the connection may fail too if Derby shut the database down: the check is above
            }
            try {
                cluster.shutdown("stuck");
            } catch (AssertionError alreadyDown) {
                // Derby may have shut the database down after a failed log write
            }
        } finally {
            derbyThread.shutdownNow();
            assertTrue(derbyThread.awaitTermination(30, TimeUnit.SECONDS), "the statement's thread ends");
        }
    }

    /** Every message of the exception, its chain of next exceptions, and their causes. */
    private static String describe(SQLException e) {
        StringBuilder out = new StringBuilder();
        for (SQLException s = e; s != null; s = s.getNextException()) {
            for (Throwable t = s; t != null; t = t.getCause() == t ? null : t.getCause()) {
                out.append(t).append('\n');
            }
        }
        return out.toString();
    }
}
