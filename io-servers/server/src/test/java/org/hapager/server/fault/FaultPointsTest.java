package org.hapager.server.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FaultPointsTest {

    @Test
    void noSpecsIsNone() {
        assertSame(FaultPoints.NONE, FaultPoints.parse(List.of()));
        assertEquals(FaultPoint.NONE, FaultPoints.NONE.onRequest());
    }

    @Test
    void countsRequestsFromOne() {
        FaultPoints faults = FaultPoints.parse(List.of("halt-after-complete@3", "stop-after-accept@1"));
        assertEquals("stop-after-accept@1, halt-after-complete@3", faults.describe());
        assertEquals(FaultPoint.STOP_AFTER_ACCEPT, faults.onRequest());
        assertEquals(FaultPoint.NONE, faults.onRequest());
        assertEquals(FaultPoint.HALT_AFTER_COMPLETE, faults.onRequest());
        assertEquals(FaultPoint.NONE, faults.onRequest());
    }

    @Test
    void failForceCountsForcesNotRequests() throws Exception {
        FaultPoints faults = FaultPoints.parse(List.of("fail-force@2", "halt-on-receive@5"));
        assertEquals("halt-on-receive@5, fail-force@2", faults.describe());
        assertEquals(FaultPoint.NONE, faults.onRequest(), "a force fault is not a request's");
        faults.beforeForce();
        java.io.IOException e = assertThrows(java.io.IOException.class, faults::beforeForce);
        assertTrue(e.getMessage().contains("fail-force@2"), e.getMessage());
        faults.beforeForce();
        FaultPoints.NONE.beforeForce();
        assertThrows(IllegalArgumentException.class, () -> FaultPoints.parse(List.of("fail-force@1", "fail-force@1")));
    }

    @Test
    void rejectsMalformedSpecs() {
        for (String bad : new String[] {"halt-on-receive", "halt-on-receive@0", "halt-on-receive@x", "explode@1", "@1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FaultPoints.parse(List.of(bad)));
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("halt-after-accept"), e.getMessage());
        }
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> FaultPoints.parse(List.of("halt-on-receive@2", "halt-after-accept@2")));
        assertTrue(twice.getMessage().contains("already has fault point halt-on-receive@2"), twice.getMessage());
    }
}
