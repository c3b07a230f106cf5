package org.hapager.workload.tpcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.hapager.workload.tpcc.transactions.InputGenerator;
import org.hapager.workload.tpcc.transactions.NewOrder;
import org.hapager.workload.tpcc.transactions.OrderStatus;
import org.hapager.workload.tpcc.transactions.Payment;
import org.hapager.workload.tpcc.transactions.TransactionType;
import org.junit.jupiter.api.Test;

/** The terminal inputs of clauses 2.4.1-2.8.1 and the mix, on many draws (no database). */
class TpccInputTest {

    private static InputGenerator generator(TpccScale scale, long seed) {
        return new InputGenerator(scale, new TpccRandom(seed, NURandConstants.forRun(new SplittableRandom(seed))),
                Math.min(2, scale.warehouses()), 3);
    }

    @Test
    void everyHundredTransactionsHoldTheExactMix() {
        InputGenerator g = generator(TpccScale.spec(3), 1);
        for (int deck = 0; deck < 50; deck++) {
            Map<TransactionType, Integer> n = new EnumMap<>(TransactionType.class);
            for (int i = 0; i < 100; i++) {
                n.merge(g.nextType(), 1, Integer::sum);
            }
            for (TransactionType t : TransactionType.values()) {
                assertEquals(t.percent(), n.get(t), t.tag());
            }
        }
    }

    @Test
    void onePercentOfNewOrdersRollBackAndOnePercentOfLinesAreRemote() {
        TpccScale scale = TpccScale.spec(3);
        InputGenerator g = generator(scale, 2);
        int orders = 100_000;
        int rollbacks = 0;
        long lines = 0;
        long remote = 0;
        for (int i = 0; i < orders; i++) {
            NewOrder.Input in = g.newOrder();
            assertEquals(2, in.w());
            assertTrue(in.itemIds().length >= 5 && in.itemIds().length <= 15);
            for (int n = 0; n < in.itemIds().length; n++) {
                boolean unused = in.itemIds()[n] == scale.items() + 1;
                assertTrue(unused ? in.rollback() : in.itemIds()[n] >= 1 && in.itemIds()[n] <= scale.items());
                assertTrue(in.quantities()[n] >= 1 && in.quantities()[n] <= 10);
                remote += in.supplyW()[n] != 2 ? 1 : 0;
                if (n > 0) {
                    assertTrue(in.supplyW()[n - 1] < in.supplyW()[n] || in.supplyW()[n - 1] == in.supplyW()[n]
                            && in.itemIds()[n - 1] <= in.itemIds()[n], "lines sorted by (supply, item)");
                }
            }
            lines += in.itemIds().length;
            rollbacks += in.rollback() ? 1 : 0;
        }
        assertTrue(rollbacks > 0.008 * orders && rollbacks < 0.012 * orders, "rollbacks " + rollbacks);
        assertTrue(remote > 0.008 * lines && remote < 0.012 * lines, "remote lines " + remote + " of " + lines);
        assertEquals(0, countRemoteLines(generator(TpccScale.spec(1), 3), 10_000), "no remote with one warehouse");
    }

    private static long countRemoteLines(InputGenerator g, int orders) {
        long remote = 0;
        for (int i = 0; i < orders; i++) {
            NewOrder.Input in = g.newOrder();
            for (int s : in.supplyW()) {
                remote += s != in.w() ? 1 : 0;
            }
        }
        return remote;
    }

    @Test
    void paymentsAreSixtyPercentByNameAndFifteenPercentRemote() {
        InputGenerator g = generator(TpccScale.spec(3), 4);
        int n = 100_000;
        int byName = 0;
        int remote = 0;
        for (int i = 0; i < n; i++) {
            Payment.Input p = g.payment();
            assertTrue((p.cId() == null) != (p.cLast() == null));
            byName += p.cLast() != null ? 1 : 0;
            remote += p.cW() != p.w() ? 1 : 0;
            assertTrue(p.cW() != p.w() || p.cD() == p.d());
            assertTrue(p.amount().doubleValue() >= 1 && p.amount().doubleValue() <= 5000);
        }
        assertTrue(byName > 0.58 * n && byName < 0.62 * n, "by name " + byName);
        assertTrue(remote > 0.14 * n && remote < 0.16 * n, "remote " + remote);
        int statusByName = 0;
        for (int i = 0; i < n; i++) {
            OrderStatus.Input o = g.orderStatus();
            statusByName += o.cLast() != null ? 1 : 0;
        }
        assertTrue(statusByName > 0.58 * n && statusByName < 0.62 * n, "order-status by name " + statusByName);
        assertEquals(3, g.stockLevel().d(), "Stock-Level uses the terminal's own district");
    }
}
