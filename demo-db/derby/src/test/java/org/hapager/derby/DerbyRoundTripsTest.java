package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Derby's common steps cost in requests to the page servers, counted from the pager's
 * {@code hapager.pager.io} meter; real page-server processes.
 * <ul>
 *   <li>Booting a database again: Derby asks whether each container and log file exists several times as it
 *       opens them, and {@link NameCache} answers those while this JVM holds the database's lock.</li>
 *   <li>Creating one: every page Derby writes is new, past the end of its file, so the pool maps it blank
 *       instead of reading it from the servers ({@code BufferPool.fixBlank}).</li>
 * </ul>
 */
class DerbyRoundTripsTest {

    /**
     * Before the name cache, a reboot of this database asked the page servers about 145 names (four per
     * container, the log directory fourteen times); with it, 13 or 14. What stays: the names Derby asks before
     * it takes the lock ({@code service.properties}, the database directory) and the first question about
     * each name that the boot before did not ask.
     */
    static final int MAX_STATS_PER_REBOOT = 20;

    @TempDir
    Path dir;

    @Test
    void aRebootAsksThePageServersAboutFewNames() throws Exception {
        try (DerbyCluster cluster = new DerbyCluster("boot-trips", dir).idleClose(Duration.ofSeconds(60))) {
            try (Connection c = cluster.connect("shop", "create=true"); Statement st = c.createStatement()) {
                for (int t = 0; t < 5; t++) {
                    st.execute("CREATE TABLE t" + t + " (id INT PRIMARY KEY, v VARCHAR(40))");
                    st.execute("CREATE INDEX t" + t + "_v ON t" + t + " (v)");
                    st.execute("INSERT INTO t" + t + " VALUES (" + t + ", 'row of t" + t + "')");
                }
            }
            cluster.shutdown("shop");
            for (int boot = 1; boot <= 2; boot++) {
                long before = stats(cluster.meters());
                try (Connection c = cluster.connect("shop", ""); Statement st = c.createStatement()) {
                    for (int t = 0; t < 5; t++) {
                        try (ResultSet rs = st.executeQuery("SELECT v FROM t" + t + " WHERE v = 'row of t" + t + "'")) {
                            assertTrue(rs.next(), "boot " + boot + ": the row of t" + t);
                            assertEquals("row of t" + t, rs.getString(1));
                        }
                    }
                }
                long asked = stats(cluster.meters()) - before;
                System.out.println("reboot " + boot + ": " + asked + " names asked of the page servers");
                assertTrue(asked <= MAX_STATS_PER_REBOOT, "reboot " + boot + " asked the page servers about " + asked
                        + " names (expected at most " + MAX_STATS_PER_REBOOT + ")");
                cluster.shutdown("shop");
            }
        }
    }

    /** Before blank fixes, creating this database read 684 pages back from the servers, one per page it wrote. */
    static final int MAX_READS_PER_CREATE = 4;

    @Test
    void creatingADatabaseReadsNoPageItWrites() throws Exception {
        try (DerbyCluster cluster = new DerbyCluster("create-trips", dir)) {
            long before = requests(cluster.meters(), "read");
            try (Connection c = cluster.connect("fresh", "create=true"); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(40))");
                st.execute("INSERT INTO t VALUES (1, 'one')");
            }
            cluster.shutdown("fresh");
            long reads = requests(cluster.meters(), "read") - before;
            System.out.println("create: " + reads + " page reads from the page servers");
            assertTrue(reads <= MAX_READS_PER_CREATE, "creating a database read " + reads + " pages (expected at most "
                    + MAX_READS_PER_CREATE + ")");
            try (Connection c = cluster.connect("fresh", ""); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT v FROM t WHERE id = 1")) {
                assertTrue(rs.next(), "the row written at create");
                assertEquals("one", rs.getString(1));
            }
            cluster.shutdown("fresh");
        }
    }

    private static long stats(MeterRegistry meters) {
        return requests(meters, "stat");
    }

    private static long requests(MeterRegistry meters, String op) {
        return meters.find("hapager.pager.io").tag("op", op).timers().stream().mapToLong(Timer::count).sum();
    }
}
