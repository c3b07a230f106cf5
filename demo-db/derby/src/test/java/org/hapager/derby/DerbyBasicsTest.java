package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Derby runs on hapager: create, write, read, shut down, boot again with the data intact. */
class DerbyBasicsTest {

    @TempDir
    Path dir;

    /** Derby's db lock on hapager: a second JVM is refused while this one has the database booted. */
    @Test
    void aSecondJvmIsRefusedWhileTheDatabaseIsBooted() throws Exception {
        try (DerbyCluster cluster = new DerbyCluster("twojvms", dir)) {
            try (Connection c = cluster.connect("held", "create=true")) {
                assertEquals("refused XSDB6", firstWords(bootInAnotherJvm(cluster, "held")),
                        "Derby's 'another instance may have booted the database' while this JVM holds it");
            }
            cluster.shutdown("held");
            assertEquals("booted", bootInAnotherJvm(cluster, "held"), "after this JVM shut the database down");
        }
    }

    private String bootInAnotherJvm(DerbyCluster cluster, String database) throws Exception {
        java.util.List<String> command = DerbyCrashTest.childJvm(cluster, dir, BootProbe.class);
        command.add(cluster.url(database));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the probe JVM exits");
        return out.lines().filter(l -> l.startsWith("booted") || l.startsWith("refused")).findFirst()
                .orElseThrow(() -> new AssertionError("probe said neither booted nor refused:\n" + out));
    }

    private static String firstWords(String line) {
        String[] w = line.split(" ");
        return w.length < 2 ? line : w[0] + " " + w[1];
    }

    @Test
    void createWriteRebootRead() throws Exception {
        try (DerbyCluster cluster = new DerbyCluster("basics", dir)) {
            try (Connection c = cluster.connect("shop", "create=true"); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE item (id INT PRIMARY KEY, name VARCHAR(100), price DECIMAL(10,2))");
                c.setAutoCommit(false);
                try (PreparedStatement p = c.prepareStatement("INSERT INTO item VALUES (?, ?, ?)")) {
                    for (int i = 0; i < 5000; i++) {
                        p.setInt(1, i);
                        p.setString(2, "item-" + i);
                        p.setBigDecimal(3, java.math.BigDecimal.valueOf(i, 2));
                        p.addBatch();
                    }
                    p.executeBatch();
                }
                c.commit();
            }
            cluster.shutdown("shop");
            assertTrue(cluster.servers.data.resolve("volumes/shop/seg0").toFile().isDirectory(),
                    "Derby's containers are on the page servers' storage");

            try (Connection c = cluster.connect("shop", ""); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT COUNT(*), SUM(id), MAX(name) FROM item")) {
                assertTrue(r.next());
                assertEquals(5000, r.getInt(1));
                assertEquals(4999L * 5000 / 2, r.getLong(2));
                assertEquals("item-999", r.getString(3));
            }
            cluster.shutdown("shop");
        }
    }
}
