package org.hapager.cli.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.driver.FailureInfo;
import org.hapager.workload.driver.TypeResult;
import org.hapager.workload.result.CheckResult;
import org.junit.jupiter.api.Test;

/**
 * The ledger's verdicts, no database: a missing acknowledged commit is caught and named, extra rows are allowed
 * only up to the failed transactions (unknown outcome), and the counts after recovery must be the counts before.
 */
class LedgerTest {

    private static final TypeResult.Latency NONE = new TypeResult.Latency(0, 0, 0, 0, 0, 0, 0, 0);

    private static DriverResult run(long committed, long failed, FailureInfo... kept) {
        return new DriverResult("tpcb", Instant.EPOCH, 10, 1, List.of(new TypeResult("tpcb-like", committed, 0, 0,
                failed, NONE)), -1, List.of(kept), 0, List.of());
    }

    @Test
    void rowsAddedMustBeTheCommitsAcknowledged() {
        Ledger l = Ledger.tpcb();
        Map<String, Long> before = Map.of("pgbench_history", 100L);
        CheckResult ok = l.check(before, Map.of("pgbench_history", 1100L), run(1000, 0)).get(0);
        assertTrue(ok.passed(), ok.toString());
        assertEquals("nothing acknowledged missing: rows added to pgbench_history = tpcb-like commits", ok.name());

        CheckResult lost = l.check(before, Map.of("pgbench_history", 1097L), run(1000, 0)).get(0);
        assertFalse(lost.passed());
        assertEquals("3 acknowledged commit(s) MISSING: 1000 tpcb-like commits acknowledged, 997 rows added to"
                + " pgbench_history (100 before, 1097 after)", lost.detail());

        // a failed transaction's commit may have landed (its outcome is unknown): up to one extra row each
        assertTrue(l.check(before, Map.of("pgbench_history", 1102L), run(1000, 2)).get(0).passed());
        CheckResult extra = l.check(before, Map.of("pgbench_history", 1103L), run(1000, 2)).get(0);
        assertFalse(extra.passed());
        assertTrue(extra.detail().startsWith("3 more rows in pgbench_history than tpcb-like commits (1000)"),
                extra.detail());
    }

    @Test
    void afterRecoveryEveryCountIsTheCountBefore() {
        Ledger l = Ledger.tpcc();
        Map<String, Long> before = Map.of("orders", 38_695L, "history", 37_443L);
        assertTrue(l.same(before, Map.of("orders", 38_695L, "history", 37_443L)).stream().allMatch(CheckResult::passed));
        List<CheckResult> lost = l.same(before, Map.of("orders", 38_690L, "history", 37_443L));
        assertEquals("38690 rows after recovery, 38695 before: 5 acknowledged commit(s) MISSING", lost.get(0).detail());
        assertTrue(lost.get(1).passed());
        List<CheckResult> uncounted = l.same(before, Map.of());
        assertFalse(uncounted.get(0).passed() || uncounted.get(1).passed());
    }

    @Test
    void failuresInABothDownOutageOrJustAfterAreToldApart() {
        DriverResult r = run(10, 3, new FailureInfo("tpcb-like", 5.0, "08006", "x", ""),
                new FailureInfo("tpcb-like", 12.5, "08006", "x", ""), new FailureInfo("tpcb-like", 30, "08006", "x", ""));
        assertEquals(2, ChaosCommand.failedInOutages(r, List.of(new double[] {4, 11}, new double[] {20, 21})));
    }
}
