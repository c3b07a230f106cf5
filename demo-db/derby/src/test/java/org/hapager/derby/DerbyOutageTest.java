package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both page servers down for longer than the failover deadline: Derby's transaction fails with an error
 * that names both servers, and once they are back a fresh boot recovers every committed transaction.
 */
class DerbyOutageTest {

    @TempDir
    Path dir;

    @Test
    void bothServersDownFailsTransactionsNamingThemAndLosesNothingCommitted() throws Exception {
        try (DerbyCluster cluster = new DerbyCluster("outage", dir, 8L << 20, Duration.ofSeconds(3))) {
            Set<Long> committed = new HashSet<>();
            Random rnd = new Random(7);
            try (Connection c = cluster.connect("ledger", "create=true")) {
                Ledger.create(c);
                for (long id = 0; id < 100; id++) {
                    Ledger.transfer(c, rnd, id);
                    committed.add(id);
                }
                String primary = address(cluster.servers.primary.address());
                String secondary = address(cluster.servers.secondary.address());
                cluster.servers.primary.kill9();
                cluster.servers.secondary.kill9();

                SQLException failure = assertThrows(SQLException.class, () -> {
                    for (long id = 100; id < 10_000; id++) { // until a commit needs the servers
                        Ledger.transfer(c, rnd, id);
                        committed.add(id);
                    }
                }, "a commit with no page server for longer than the deadline fails");
                // Derby reports a log failure with its own SQLState (XSLAQ and the like) and keeps the cause for
                // derby.log: the error naming both servers is in the exception chain or in derby.log
                String chain = describe(failure);
                String derbyLog = java.nio.file.Files.readString(DerbyCluster.derbyLog()); // shared by this JVM's tests
                assertTrue((chain.contains(primary) && chain.contains(secondary))
                                || (derbyLog.contains(primary) && derbyLog.contains(secondary)),
                        "the error names both page servers " + primary + " and " + secondary + ":\n" + chain);
            }
            cluster.servers.restart(cluster.servers.primary);
            cluster.servers.restart(cluster.servers.secondary);
            try {
                cluster.shutdown("ledger"); // Derby may already have shut the database down after the log failed
            } catch (AssertionError alreadyDown) {
                // a database that went down by itself answers shutdown with another SQLState: nothing to do
            }
            HapagerDerby.close(cluster.name); // the pages Derby wrote before the outage go out now: its log was first
            try (Connection c = cluster.connect("ledger", "")) { // a fresh boot: Derby recovers from its log
                assertEquals(List.of(), Ledger.check(c, committed), "every transaction committed before the outage");
            }
            cluster.shutdown("ledger");
        }
    }

    private static String address(java.net.InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
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
