package org.hapager.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@link RateLimitedLog} on a clock the test moves. */
class RateLimitedLogTest {

    final Logger logger = (Logger) LoggerFactory.getLogger(RateLimitedLogTest.class.getName() + ".subject");
    final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    long now = 1_000;
    final RateLimitedLog log = new RateLimitedLog(logger, Duration.ofSeconds(10), () -> now);

    @BeforeEach
    void attach() {
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(appender);
    }

    List<String> lines() {
        return appender.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    void advanceSeconds(long seconds) {
        now += TimeUnit.SECONDS.toNanos(seconds);
    }

    @Test
    void oneLinePerIntervalAndKindThenTheCountOfThoseLeftOut() {
        assertTrue(log.warn("protocol", "bad frame from {}", "a"));
        for (int i = 0; i < 500; i++) {
            assertFalse(log.warn("protocol", "bad frame from {}", "b" + i));
        }
        advanceSeconds(9);
        assertFalse(log.warn("protocol", "bad frame from {}", "c"));
        advanceSeconds(1);
        assertTrue(log.warn("protocol", "bad frame from {}", "d"));
        advanceSeconds(10);
        assertTrue(log.warn("protocol", "bad frame from {}", "e"));
        assertEquals(List.of("WARN bad frame from a", "WARN bad frame from d (501 more suppressed)", "WARN bad frame from e"),
                lines());
    }

    @Test
    void kindsAreLimitedSeparately() {
        assertTrue(log.warn("protocol", "bad frame {}", 1));
        assertTrue(log.warn("auth", "bad proof {}", 2));
        assertTrue(log.info("connection failed", "reset {}", 3));
        assertFalse(log.warn("auth", "bad proof {}", 4));
        assertEquals(List.of("WARN bad frame 1", "WARN bad proof 2", "INFO reset 3"), lines());
    }

    @Test
    void aDisabledLevelIsNeitherLoggedNorCounted() {
        logger.setLevel(Level.ERROR);
        assertFalse(log.warn("protocol", "bad frame {}", 1));
        logger.setLevel(Level.INFO);
        assertTrue(log.warn("protocol", "bad frame {}", 2));
        assertEquals(List.of("WARN bad frame 2"), lines());
    }
}
