package org.hapager.workload.tpcc.transactions;

import java.util.Arrays;
import java.util.Comparator;
import org.hapager.workload.tpcc.TpccRandom;
import org.hapager.workload.tpcc.TpccScale;

/**
 * The inputs one terminal sends (clauses 2.4.1-2.8.1), for its home warehouse and district, and the
 * transaction mix as a shuffled deck of 100 cards (45 New-Order, 43 Payment, 4 each of the others), so any
 * 100 consecutive transactions of a terminal hold the exact mix. Not thread-safe: one per terminal.
 */
public final class InputGenerator {

    private final TpccScale scale;
    private final TpccRandom random;
    private final int homeW;
    private final int homeD;
    private final TransactionType[] deck = new TransactionType[100];
    private int next = deck.length;

    public InputGenerator(TpccScale scale, TpccRandom random, int homeW, int homeD) {
        if (homeW < 1 || homeW > scale.warehouses() || homeD < 1 || homeD > TpccScale.DISTRICTS) {
            throw new IllegalArgumentException("home " + homeW + "/" + homeD + " is not in the database");
        }
        this.scale = scale;
        this.random = random;
        this.homeW = homeW;
        this.homeD = homeD;
        int i = 0;
        for (TransactionType t : TransactionType.values()) {
            for (int k = 0; k < t.percent(); k++) {
                deck[i++] = t;
            }
        }
    }

    public int homeWarehouse() {
        return homeW;
    }

    public int homeDistrict() {
        return homeD;
    }

    /** The next transaction type: the next card of the deck, reshuffled every 100 cards. */
    public TransactionType nextType() {
        if (next == deck.length) {
            for (int i = deck.length - 1; i > 0; i--) {
                int j = random.uniform(0, i);
                TransactionType t = deck[i];
                deck[i] = deck[j];
                deck[j] = t;
            }
            next = 0;
        }
        return deck[next++];
    }

    /**
     * Clause 2.4.1: district uniform, customer {@code NURand(1023)}, 5-15 lines of item {@code NURand(8191)},
     * each supplied by the home warehouse or (1 %, when there are several) another; in 1 % of inputs the last
     * line's item is unused (items + 1). Lines are sorted by (supply warehouse, item) so that concurrent
     * New-Orders lock stock rows in one order; the unused item, the largest id, stays last of its warehouse.
     */
    public NewOrder.Input newOrder() {
        int d = random.uniform(1, TpccScale.DISTRICTS);
        int c = random.customerId(scale.customersPerDistrict());
        int lines = random.uniform(5, 15);
        boolean rollback = random.uniform(1, 100) == 1;
        int[][] rows = new int[lines][];
        for (int n = 0; n < lines; n++) {
            int item = rollback && n == lines - 1 ? scale.items() + 1 : random.itemId(scale.items());
            int supply = scale.warehouses() > 1 && random.uniform(1, 100) == 1
                    ? random.uniformExcept(1, scale.warehouses(), homeW) : homeW;
            rows[n] = new int[] {supply, item, random.uniform(1, 10)};
        }
        Arrays.sort(rows, Comparator.<int[]>comparingInt(r -> r[0]).thenComparingInt(r -> r[1]));
        int[] items = new int[lines];
        int[] supply = new int[lines];
        int[] qty = new int[lines];
        for (int n = 0; n < lines; n++) {
            supply[n] = rows[n][0];
            items[n] = rows[n][1];
            qty[n] = rows[n][2];
        }
        return new NewOrder.Input(homeW, d, c, items, supply, qty, rollback);
    }

    /**
     * Clause 2.5.1: district uniform; 85 % the customer is of the home warehouse and that district, 15 % (when
     * there are several warehouses) of another warehouse and a random district; 60 % by last name
     * ({@code NURand(255)}), 40 % by id ({@code NURand(1023)}); amount uniform in [1.00, 5000.00].
     */
    public Payment.Input payment() {
        int d = random.uniform(1, TpccScale.DISTRICTS);
        int cW = homeW;
        int cD = d;
        if (scale.warehouses() > 1 && random.uniform(1, 100) > 85) {
            cW = random.uniformExcept(1, scale.warehouses(), homeW);
            cD = random.uniform(1, TpccScale.DISTRICTS);
        }
        boolean byName = random.uniform(1, 100) <= 60;
        Integer cId = byName ? null : random.customerId(scale.customersPerDistrict());
        String cLast = byName ? random.lastName(scale.lastNameMax()) : null;
        return new Payment.Input(homeW, d, cW, cD, cId, cLast, random.decimal(100, 500_000, 2));
    }

    /** Clause 2.6.1: district uniform, 60 % by last name, 40 % by id. */
    public OrderStatus.Input orderStatus() {
        int d = random.uniform(1, TpccScale.DISTRICTS);
        boolean byName = random.uniform(1, 100) <= 60;
        return new OrderStatus.Input(homeW, d, byName ? null : random.customerId(scale.customersPerDistrict()),
                byName ? random.lastName(scale.lastNameMax()) : null);
    }

    /** Clause 2.7.1: carrier uniform in [1, 10]. */
    public Delivery.Input delivery() {
        return new Delivery.Input(homeW, random.uniform(1, 10));
    }

    /** Clause 2.8.1: the terminal's own district, threshold uniform in [10, 20]. */
    public StockLevel.Input stockLevel() {
        return new StockLevel.Input(homeW, homeD, random.uniform(10, 20));
    }
}
