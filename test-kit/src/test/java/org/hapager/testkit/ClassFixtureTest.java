package org.hapager.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;

class ClassFixtureTest {

    @Test
    void oneFixtureServesEveryTestOfTheClassAndIsClosedAndDeletedAfterEvenWhenOneFails() {
        SharesAFixture.events.clear();
        EngineTestKit.engine("junit-jupiter").selectors(selectClass(SharesAFixture.class)).execute()
                .testEvents().assertStatistics(s -> s.succeeded(1).failed(1));
        assertEquals(List.of("created", "used", "used", "closed"), SharesAFixture.events);
        assertFalse(Files.exists(SharesAFixture.madeIn), "its directory is deleted");
        assertThrows(IllegalStateException.class, SharesAFixture.fixture::get);
    }

    static final class Resource implements AutoCloseable {
        final Path dir;

        Resource(Path dir) throws Exception {
            this.dir = Files.writeString(dir.resolve("state"), "x").getParent();
            SharesAFixture.events.add("created");
        }

        @Override
        public void close() {
            SharesAFixture.events.add("closed");
        }
    }

    static class SharesAFixture {
        static final List<String> events = new ArrayList<>();
        static Path madeIn;

        @RegisterExtension
        static final ClassFixture<Resource> fixture = ClassFixture.of(Resource::new);

        @Test
        void first() {
            use();
        }

        @Test
        void second() {
            use();
            throw new AssertionError("a failing test does not keep the fixture open");
        }

        private static void use() {
            madeIn = fixture.dir();
            assertEquals(fixture.dir(), fixture.get().dir);
            assertTrue(Files.exists(fixture.dir().resolve("state")));
            events.add("used");
        }
    }
}
