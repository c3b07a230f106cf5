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
 * Booting a database again costs few questions to the page servers: Derby asks whether each container and log
 * file exists several times as it opens them, and {@link NameCache} answers those while this JVM holds the
 * database's lock. Counted from the pager's {@code hapager.pager.io} meter; real page-server processes.
 */
class DerbyBootRoundTripsTest {

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

    private static long stats(MeterRegistry meters) {
        return meters.find("hapager.pager.io").tag("op", "stat").timers().stream().mapToLong(Timer::count).sum();
    }
}
