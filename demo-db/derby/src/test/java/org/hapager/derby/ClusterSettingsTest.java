package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A cluster's settings read from system properties: every one in one place, each bad value named. */
class ClusterSettingsTest {

    @TempDir
    Path dir;

    private Properties cluster(String... keyValues) throws IOException {
        Path token = Files.writeString(dir.resolve("token"), "0123456789abcdef0123456789abcdef\n");
        Properties p = new Properties();
        p.setProperty("hapager.derby.main.servers", "127.0.0.1:7070,127.0.0.1:7071");
        p.setProperty("hapager.derby.main.tokenFile", token.toString());
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty("hapager.derby.main." + keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    @Test
    void defaultsAndEachSettingOfACluster() throws IOException {
        ClusterSettings d = ClusterSettings.fromProperties("main", cluster());
        assertEquals(ClusterSettings.DEFAULT_POOL_BYTES, d.poolBytes());
        assertEquals(ClusterSettings.DEFAULT_LOCK_EXPIRY, d.lockExpiry());
        assertEquals(ClusterSettings.DEFAULT_IDLE_CLOSE, d.idleClose());
        assertTrue(d.writeSync(), "Derby writes its log through by default");

        ClusterSettings s = ClusterSettings.fromProperties("main", cluster("writeSync", "false", "lockExpiry", "PT3S",
                "idleClose", "PT0S", "poolBytes", Long.toString(8L << 20)));
        assertFalse(s.writeSync());
        assertEquals(Duration.ofSeconds(3), s.lockExpiry());
        assertEquals(Duration.ZERO, s.idleClose());
        assertEquals(8L << 20, s.poolBytes());
    }

    @Test
    void theOldNameOfLockExpiryIsStillReadWithAWarningNamingTheNewOne() throws IOException {
        List<String> warnings = warningsOf(() -> {
            ClusterSettings s = ClusterSettings.fromProperties("main", cluster("lockLease", "PT4S"));
            assertEquals(Duration.ofSeconds(4), s.lockExpiry());
        });
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("hapager.derby.main.lockLease")
                && warnings.get(0).contains("hapager.derby.main.lockExpiry"), warnings.get(0));

        assertEquals(List.of(), warningsOf(() -> ClusterSettings.fromProperties("main", cluster("lockExpiry", "PT4S"))),
                "the new name alone: no warning");
    }

    @Test
    void whenBothNamesAreSetTheNewOneWinsAndTheOldOneIsSaidToBeIgnored() throws IOException {
        List<String> warnings = warningsOf(() -> {
            ClusterSettings s = ClusterSettings.fromProperties("main", cluster("lockLease", "PT4S", "lockExpiry", "PT7S"));
            assertEquals(Duration.ofSeconds(7), s.lockExpiry());
        });
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("hapager.derby.main.lockLease is ignored")
                && warnings.get(0).contains("hapager.derby.main.lockExpiry"), warnings.get(0));
    }

    @Test
    void aBadValueIsNamedWithItsProperty() throws IOException {
        Properties yes = cluster("writeSync", "yes");
        IOException e = assertThrows(IOException.class, () -> ClusterSettings.fromProperties("main", yes));
        assertTrue(e.getMessage().contains("hapager.derby.main.writeSync") && e.getMessage().contains("\"yes\""), e.getMessage());
        Properties onlyMain = cluster();
        IOException missing = assertThrows(IOException.class, () -> ClusterSettings.fromProperties("other", onlyMain));
        assertTrue(missing.getMessage().contains("hapager.derby.other.servers"), missing.getMessage());
    }

    private interface Action {
        void run() throws IOException;
    }

    /** The WARN lines {@link ClusterSettings} logs while {@code action} runs. */
    private static List<String> warningsOf(Action action) throws IOException {
        Logger logger = (Logger) LoggerFactory.getLogger(ClusterSettings.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            action.run();
        } finally {
            logger.detachAppender(appender);
        }
        return appender.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }
}
