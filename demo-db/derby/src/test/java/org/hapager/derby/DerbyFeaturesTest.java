package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.Random;
import org.hapager.testkit.ClassFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Derby features that exercise its storage in different ways, each on its own database of one cluster:
 * large objects, long rows, sorts that spill to temporary files, rollback to savepoints, table compression
 * (which swaps container files), DROP, encryption, backup and restore.
 */
class DerbyFeaturesTest {

    @RegisterExtension
    static final ClassFixture<DerbyCluster> cluster = ClassFixture.of(dir -> new DerbyCluster("features", dir, 4L << 20));

    private static byte[] randomBytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void blobsAndClobsOfSeveralMebibytesSurviveAReboot() throws Exception {
        byte[] blob = randomBytes(1, 5 << 20);
        StringBuilder clob = new StringBuilder();
        Random rnd = new Random(2);
        while (clob.length() < (3 << 20)) {
            clob.append((char) ('a' + rnd.nextInt(26))).append(rnd.nextInt(7) == 0 ? "\n" : "");
        }
        try (Connection c = cluster.get().connect("lobs", "create=true"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE doc (id INT PRIMARY KEY, body BLOB(16M), text CLOB(16M))");
            try (PreparedStatement p = c.prepareStatement("INSERT INTO doc VALUES (?, ?, ?)")) {
                p.setInt(1, 1);
                p.setBytes(2, blob);
                p.setString(3, clob.toString());
                p.executeUpdate();
            }
        }
        cluster.get().shutdown("lobs");
        try (Connection c = cluster.get().connect("lobs", ""); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT body, text FROM doc WHERE id = 1")) {
            assertTrue(r.next());
            Blob b = r.getBlob(1);
            try (InputStream in = b.getBinaryStream()) {
                assertArrayEquals(blob, in.readAllBytes(), "5 MiB BLOB after a reboot");
            }
            Clob cl = r.getClob(2);
            StringBuilder back = new StringBuilder();
            try (Reader in = cl.getCharacterStream()) {
                char[] buf = new char[8192];
                for (int n; (n = in.read(buf)) > 0; ) {
                    back.append(buf, 0, n);
                }
            }
            assertEquals(clob.toString(), back.toString(), "3 MiB CLOB after a reboot");
        }
        cluster.get().shutdown("lobs");
    }

    @Test
    void sortLargerThanTheSortBufferSpillsToTemporaryFilesAndSortsRight() throws Exception {
        int rows = 30_000;
        try (Connection c = cluster.get().connect("sorts", "create=true"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE r (id INT, k VARCHAR(40), filler VARCHAR(200))");
            c.setAutoCommit(false);
            Random rnd = new Random(3);
            try (PreparedStatement p = c.prepareStatement("INSERT INTO r VALUES (?, ?, ?)")) {
                for (int i = 0; i < rows; i++) {
                    p.setInt(1, i);
                    p.setString(2, Long.toString(rnd.nextLong(), 36));
                    p.setString(3, "x".repeat(100 + rnd.nextInt(100)));
                    p.addBatch();
                    if (i % 5000 == 4999) {
                        p.executeBatch();
                    }
                }
            }
            c.commit();
            // derby.storage.sortBufferMax is 1024 rows by default: this sort merges runs from temporary files
            int n = 0;
            String previous = null;
            try (ResultSet r = s.executeQuery("SELECT k, filler FROM r ORDER BY k")) {
                while (r.next()) {
                    String k = r.getString(1);
                    assertTrue(previous == null || previous.compareTo(k) <= 0, "sorted at row " + n);
                    previous = k;
                    n++;
                }
            }
            assertEquals(rows, n);
            c.commit();
        }
        cluster.get().shutdown("sorts");
    }

    @Test
    void rollbackToSavepointAndRollbackUndoOnlyWhatTheyShould() throws Exception {
        try (Connection c = cluster.get().connect("savepoints", "create=true"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
            c.setAutoCommit(false);
            s.execute("INSERT INTO t VALUES 1");
            Savepoint sp = c.setSavepoint();
            s.execute("INSERT INTO t VALUES 2");
            c.rollback(sp);
            s.execute("INSERT INTO t VALUES 3");
            c.commit();
            s.execute("INSERT INTO t VALUES 4");
            c.rollback();
        }
        cluster.get().shutdown("savepoints");
        try (Connection c = cluster.get().connect("savepoints", ""); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT id FROM t ORDER BY id")) {
            assertTrue(r.next());
            assertEquals(1, r.getInt(1));
            assertTrue(r.next());
            assertEquals(3, r.getInt(1));
            assertFalse(r.next());
        }
        cluster.get().shutdown("savepoints");
    }

    @Test
    void compressTableSwapsContainersAndDropRemovesThem() throws Exception {
        Path seg0 = cluster.get().servers.data.resolve("volumes/compress/seg0");
        try (Connection c = cluster.get().connect("compress", "create=true"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE big (id INT PRIMARY KEY, filler VARCHAR(1000))");
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement("INSERT INTO big VALUES (?, ?)")) {
                for (int i = 0; i < 2000; i++) {
                    p.setInt(1, i);
                    p.setString(2, "y".repeat(900));
                    p.addBatch();
                }
                p.executeBatch();
            }
            s.execute("DELETE FROM big WHERE MOD(id, 10) <> 0");
            c.commit();
            long before = containerBytes(seg0);
            s.execute("CALL SYSCS_UTIL.SYSCS_COMPRESS_TABLE('APP', 'BIG', 1)");
            c.commit();
            long after = containerBytes(seg0);
            assertTrue(after < before / 2, "compression shrank the containers: " + before + " -> " + after + " bytes");
            try (ResultSet r = s.executeQuery("SELECT COUNT(*), SUM(id) FROM big")) {
                assertTrue(r.next());
                assertEquals(200, r.getInt(1));
                assertEquals(199_000, r.getLong(2)); // 10 × (0 + 1 + … + 199)
            }
            long withTable = Files.list(seg0).count();
            s.execute("DROP TABLE big");
            c.commit();
            s.execute("CALL SYSCS_UTIL.SYSCS_CHECKPOINT_DATABASE()");
            assertTrue(Files.list(seg0).count() < withTable, "DROP TABLE removed its containers");
        }
        cluster.get().shutdown("compress");
        try (Connection c = cluster.get().connect("compress", ""); Statement s = c.createStatement()) {
            assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM big"), "the table stays dropped");
        }
        cluster.get().shutdown("compress");
    }

    private static long containerBytes(Path seg0) throws Exception {
        try (var files = Files.list(seg0)) {
            return files.mapToLong(f -> f.toFile().length()).sum();
        }
    }

    @Test
    void encryptedDatabaseStoresNoPlaintextAndRebootsWithItsPassword() throws Exception {
        String secret = "hapager-plaintext-marker-" + System.nanoTime();
        String attrs = "dataEncryption=true;bootPassword=correct-horse-battery";
        try (Connection c = cluster.get().connect("secret", "create=true;" + attrs); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (v VARCHAR(100))");
            s.execute("INSERT INTO t VALUES ('" + secret + "')");
            s.execute("CALL SYSCS_UTIL.SYSCS_CHECKPOINT_DATABASE()");
        }
        cluster.get().shutdown("secret");
        byte[] marker = secret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (var files = Files.walk(cluster.get().servers.data.resolve("volumes/secret"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertFalse(contains(Files.readAllBytes(f), marker), "plaintext found in " + f);
            }
        }
        assertThrows(SQLException.class, () -> cluster.get().connect("secret", "bootPassword=wrong-password-here"));
        try (Connection c = cluster.get().connect("secret", attrs); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT v FROM t")) {
            assertTrue(r.next());
            assertEquals(secret, r.getString(1));
        }
        cluster.get().shutdown("secret");
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Test
    void onlineBackupToALocalDirectoryAndRestoreFromIt() throws Exception {
        Path backups = cluster.dir().resolve("backups");
        try (Connection c = cluster.get().connect("backed", "create=true"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(50))");
            s.execute("INSERT INTO t VALUES (1, 'before backup')");
            try (PreparedStatement p = c.prepareStatement("CALL SYSCS_UTIL.SYSCS_BACKUP_DATABASE(?)")) {
                p.setString(1, backups.toString());
                p.execute();
            }
            s.execute("INSERT INTO t VALUES (2, 'after backup')");
        }
        cluster.get().shutdown("backed");
        try (var files = Files.list(backups)) {
            Path copy = files.findFirst().orElseThrow();
            assertTrue(Files.exists(copy.resolve("service.properties")), "the backup holds service.properties");
            try (Connection c = cluster.get().connect("backed", "restoreFrom=" + copy); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT id, v FROM t ORDER BY id")) {
                assertTrue(r.next());
                assertEquals("before backup", r.getString(2));
                assertFalse(r.next(), "the restored database is the backup, without the later row");
            }
        }
        cluster.get().shutdown("backed");
    }
}
