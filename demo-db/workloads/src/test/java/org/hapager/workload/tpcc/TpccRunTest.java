package org.hapager.workload.tpcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.hapager.workload.tpcc.checks.ConsistencyChecks;
import org.hapager.workload.tpcc.driver.RunOptions;
import org.hapager.workload.driver.Snapshot;
import org.hapager.workload.tpcc.driver.TpccResult;
import org.hapager.workload.tpcc.driver.TpccRun;
import org.hapager.workload.driver.TypeResult;
import org.hapager.workload.result.WorkloadResult;
import org.hapager.workload.result.WorkloadResultJsonTest;
import java.util.Map;
import org.hapager.workload.tpcc.loader.LoadOptions;
import org.hapager.workload.tpcc.loader.TpccLoader;
import org.hapager.workload.tpcc.transactions.InputGenerator;
import org.hapager.workload.tpcc.transactions.TransactionType;
import org.junit.jupiter.api.Test;

/** Runs of the mix on Derby in memory at reduced scale, two warehouses so remote paths run too. */
class TpccRunTest {

    private static final TpccScale SCALE = TpccScale.reduced(2, 100);

    @Test
    void aThreeSecondRunCommitsNewOrdersCountsRollbacksAsExpectedAndStaysConsistent() throws Exception {
        try (TpccTestDb db = new TpccTestDb(3)) {
            TpccLoader.createAndLoad(db.dataSource(), SCALE, LoadOptions.defaults(), (loaded, total) -> { });
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            List<Snapshot> seen = Collections.synchronizedList(new ArrayList<>());
            TpccResult r = new TpccRun(db.dataSource(), RunOptions.builder(SCALE).terminals(2)
                    .duration(Duration.ofSeconds(3)).seed(11).meterRegistry(registry).onSnapshot(seen::add)
                    .build()).run();
            seen.forEach(s -> System.out.println(s.format()));
            System.out.println(r.summary());

            TypeResult no = r.of(TransactionType.NEW_ORDER);
            assertTrue(no.committed() > 0, r.summary());
            assertEquals(0, r.run().totalFailures(), () -> r.summary() + "\n" + r.run().failuresKept());
            // the specified rollbacks are outcomes, not failures; about 1 % of New-Orders
            assertEquals(0, no.failures());
            assertTrue(no.rolledBack() <= Math.max(3, no.completed() / 20), r.summary());
            if (no.completed() >= 2_000) {
                double rate = (double) no.rolledBack() / no.completed();
                assertTrue(rate > 0.002 && rate < 0.03, "rollback rate " + rate);
            }
            assertEquals(0, r.run().totalRolledBack() - no.rolledBack(), "only New-Orders roll back");
            assertTrue(r.consistencyChecked());
            assertEquals(List.of(), r.violations());
            assertTrue(r.passed(), r.summary());
            assertTrue(r.tpmC() > 0 && r.run().tps() > 0);

            assertFalse(seen.isEmpty());
            assertEquals(seen, r.run().intervals());
            assertTrue(seen.get(0).format().startsWith("progress: "), seen.get(0).format());
            long completed = Math.round(seen.stream().mapToDouble(s -> s.tps() * s.intervalSeconds()).sum());
            assertEquals(r.run().totalCompleted(), completed, "the intervals add up to the totals");

            assertEquals(no.committed(), registry.get("hapager.workload.transaction").tag("type", "new_order")
                    .tag("outcome", "committed").timer().count());
            assertEquals(no.rolledBack(), registry.get("hapager.workload.transaction").tag("type", "new_order")
                    .tag("outcome", "rolled_back").timer().count());
            WorkloadResultJsonTest.assertMatchesSchema(new WorkloadResult(r.run(), Map.of("seed", "11"), List.of(), List.of(), r.checkResults()).toJson());
        }
    }

    @Test
    void aRunLimitedByTransactionsHasTheExactMixAndItsInputsRollbacks() throws Exception {
        int perTerminal = 100;
        int terminals = 3;
        long seed = 22; // its inputs hold 4 New-Orders with an unused item
        try (TpccTestDb db = new TpccTestDb(terminals + 1)) {
            TpccLoader.createAndLoad(db.dataSource(), SCALE, LoadOptions.defaults(), (loaded, total) -> { });
            TpccResult r = new TpccRun(db.dataSource(), RunOptions.builder(SCALE).terminals(terminals)
                    .duration(Duration.ZERO).transactionLimit(perTerminal).seed(seed).build()).run();
            System.out.println(r.summary());
            assertEquals(0, r.run().totalFailures(), () -> r.summary() + "\n" + r.run().failuresKept());
            for (TransactionType t : TransactionType.values()) {
                assertEquals((long) terminals * perTerminal * t.percent() / 100, r.of(t).completed(), t.tag());
            }
            // the same seeds give the same inputs: count the New-Orders that carry an unused item
            NURandConstants constants = NURandConstants.forRun(new SplittableRandom(seed));
            long expectedRollbacks = 0;
            for (int i = 0; i < terminals; i++) {
                InputGenerator g = new InputGenerator(SCALE, new TpccRandom(seed + i + 1, constants),
                        i % SCALE.warehouses() + 1, i / SCALE.warehouses() % 10 + 1);
                for (int n = 0; n < perTerminal; n++) {
                    TransactionType t = g.nextType();
                    switch (t) {
                        case NEW_ORDER -> expectedRollbacks += g.newOrder().rollback() ? 1 : 0;
                        case PAYMENT -> g.payment();
                        case ORDER_STATUS -> g.orderStatus();
                        case DELIVERY -> g.delivery();
                        case STOCK_LEVEL -> g.stockLevel();
                    }
                }
            }
            assertEquals(4, expectedRollbacks);
            assertEquals(expectedRollbacks, r.of(TransactionType.NEW_ORDER).rolledBack());
            assertEquals(List.of(), r.violations());
            assertEquals(List.of(), ConsistencyChecks.check(db.dataSource()));
            assertEquals(SCALE, detect(db));
        }
    }

    private static TpccScale detect(TpccTestDb db) throws SQLException {
        try (var c = db.dataSource().getConnection()) {
            return TpccScale.detect(c);
        }
    }
}
