package org.hapager.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The fault plans of {@code hapager demo} and {@code page-demo}. */
class DemoFaultPlanTest {

    @Test
    void parsesKindsTimesAndResumeAndSortsByTime() {
        FaultPlan p = FaultPlan.parse("sigstop@40s+2.5s, kill9@20");
        assertEquals(List.of(new FaultPlan.Fault(FaultPlan.Kind.KILL9, 20_000, 0),
                new FaultPlan.Fault(FaultPlan.Kind.SIGSTOP, 40_000, 2_500)), p.faults());
        assertEquals("kill9@20s, sigstop@40s+2.5s", p.toString());
        assertEquals(3_000, FaultPlan.parse("sigstop@1s").faults().get(0).resumeAfterMillis(), "3 s by default");
        assertTrue(FaultPlan.parse("").faults().isEmpty());
        assertEquals("none", FaultPlan.parse(" ").toString());
    }

    @Test
    void theDefaultPlanHurtsAtOneThirdAndTwoThirds() {
        assertEquals("kill9@20s, sigstop@40s+3s", FaultPlan.thirds(60_000).toString());
        assertEquals("kill9@5s, sigstop@10s+3s", FaultPlan.thirds(15_000).toString());
        assertEquals("partition@20s, sigstop@40s+3s", FaultPlan.thirdsOnHosts(60_000).toString());
        assertEquals("silent partition at 20 s, SIGSTOP at 40 s", FaultPlan.thirdsOnHosts(60_000).describe());
        assertEquals(List.of(new FaultPlan.Fault(FaultPlan.Kind.PARTITION, 3_000, 0)), FaultPlan.parse("partition@3s").faults());
    }

    @Test
    void refusesMalformedPlansAndFaultsAfterTheEnd() {
        for (String bad : List.of("kill9", "boom@3s", "kill9@-1s", "kill9@soon", "kill9@3s,", "sigstop@3s+x")) {
            assertThrows(IllegalArgumentException.class, () -> FaultPlan.parse(bad), bad);
        }
        IllegalArgumentException late = assertThrows(IllegalArgumentException.class,
                () -> FaultPlan.parse("kill9@60s").requireWithin(60_000));
        assertEquals("fault kill9@60s comes after the end of the run (60s)", late.getMessage());
    }
}
