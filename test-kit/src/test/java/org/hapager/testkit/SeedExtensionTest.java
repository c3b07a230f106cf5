package org.hapager.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

class SeedExtensionTest {

    @AfterEach
    void unpin() {
        System.clearProperty(Seed.PROPERTY);
    }

    @Test
    void aFailingTestThatDrewASeedIsReportedWithItAndHowToRepeatIt() {
        Throwable failure = onlyFailure(FailsWithASeed.class);
        SeededFailure seeded = assertInstanceOf(SeededFailure.class, failure);
        long value = seeded.seed().value();
        assertEquals(value, FailsWithASeed.seen.get(0), "the failure names the seed the test ran on");
        assertTrue(failure.getMessage().startsWith("org.opentest4j.AssertionFailedError: boom at "), failure.getMessage());
        assertTrue(failure.getMessage().contains("FailsWithASeed#randomWork ran on seed " + value
                + ": repeat it with -Dhapager.seed=" + value), failure.getMessage());
        assertEquals("boom at " + value, failure.getCause().getMessage(), "the original failure is the cause");
    }

    @Test
    void aFailingTestWithoutASeedIsReportedAsItWas() {
        Throwable failure = onlyFailure(FailsWithoutASeed.class);
        assertEquals(IllegalStateException.class, failure.getClass());
        assertEquals("no randomness here", failure.getMessage());
    }

    @Test
    void thePropertyPinsTheSeedOfEveryTestAndTheClassSeedServesItsTests() {
        System.setProperty(Seed.PROPERTY, "42");
        SharesTheClassSeed.seen.clear();
        events(SharesTheClassSeed.class).assertStatistics(s -> s.succeeded(2).failed(0));
        assertEquals(List.of(42L, 42L, 42L), SharesTheClassSeed.seen);

        System.clearProperty(Seed.PROPERTY);
        SharesTheClassSeed.seen.clear();
        events(SharesTheClassSeed.class).assertStatistics(s -> s.succeeded(2).failed(0));
        assertEquals(3, SharesTheClassSeed.seen.size());
        assertEquals(1, SharesTheClassSeed.seen.stream().distinct().count(), "one seed for the class: " + SharesTheClassSeed.seen);
    }

    @Test
    void aBadPinnedSeedIsAClearError() {
        System.setProperty(Seed.PROPERTY, "0x2a");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Seed::draw);
        assertEquals("-Dhapager.seed must be a decimal long, not \"0x2a\"", e.getMessage());
    }

    @Test
    void aFailingCaseIsReportedWithItsOwnSeedAndThatSeedRepeatsItAlone() {
        Seed seed = Seed.of(7);
        List<Long> ran = new ArrayList<>();
        Seed.Case failsOnMultiplesOfFive = (caseSeed, index) -> {
            ran.add(caseSeed.value());
            if (caseSeed.splittable().nextInt(5) == 0) {
                throw new IllegalStateException("case " + index + " drew a multiple of five");
            }
        };
        SeededFailure failure = assertThrows(SeededFailure.class, () -> seed.cases(1_000, failsOnMultiplesOfFive));
        long failing = ran.get(ran.size() - 1);
        assertEquals(failing, failure.seed().value());
        assertFalse(failure.seed().pinned());
        assertTrue(failure.getMessage().contains("case " + (ran.size() - 1) + " of 1000 ran on seed " + failing
                + ": repeat it with -Dhapager.seed=" + failing), failure.getMessage());

        System.setProperty(Seed.PROPERTY, Long.toString(failing));
        ran.clear();
        SeededFailure again = assertThrows(SeededFailure.class, () -> Seed.draw().cases(1_000, failsOnMultiplesOfFive));
        assertEquals(List.of(failing), ran, "a pinned seed runs the one case on it");
        assertEquals(failure.getCause().getMessage().replaceAll("case \\d+", "case 0"), again.getCause().getMessage());
    }

    @Test
    void aSeededFailureInsideATestIsNotWrappedTwice() {
        Throwable failure = onlyFailure(FailsInACase.class);
        SeededFailure seeded = assertInstanceOf(SeededFailure.class, failure);
        assertInstanceOf(IllegalStateException.class, seeded.getCause());
        assertSame(seeded.seed().getClass(), Seed.class);
        assertFalse(seeded.getMessage().contains("FailsInACase#"), "the case's own seed repeats it: " + seeded.getMessage());
    }

    private static Events events(Class<?> sample) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(sample)).execute().testEvents();
    }

    private static Throwable onlyFailure(Class<?> sample) {
        Events events = events(sample);
        events.assertStatistics(s -> s.failed(1));
        return events.failed().stream().findFirst().orElseThrow().getRequiredPayload(
                org.junit.platform.engine.TestExecutionResult.class).getThrowable().orElseThrow();
    }

    @ExtendWith(SeedExtension.class)
    static class FailsWithASeed {
        static final List<Long> seen = new ArrayList<>();

        @Test
        void randomWork(Seed seed) {
            seen.add(seed.value());
            org.junit.jupiter.api.Assertions.fail("boom at " + seed.value());
        }
    }

    @ExtendWith(SeedExtension.class)
    static class FailsWithoutASeed {
        @Test
        void plainWork() {
            throw new IllegalStateException("no randomness here");
        }
    }

    @ExtendWith(SeedExtension.class)
    static class SharesTheClassSeed {
        static final List<Long> seen = new ArrayList<>();

        @BeforeAll
        static void setUp(Seed seed) {
            seen.add(seed.value());
        }

        @Test
        void first(Seed seed) {
            seen.add(seed.value());
        }

        @Test
        void second(Seed seed) {
            seen.add(seed.value());
        }
    }

    @ExtendWith(SeedExtension.class)
    static class FailsInACase {
        @Test
        void manyCases(Seed seed) {
            seed.cases(3, (caseSeed, index) -> {
                throw new IllegalStateException("every case fails");
            });
        }
    }
}
