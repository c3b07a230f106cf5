package org.hapager.workload.tpcc.loader;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.hapager.workload.tpcc.LastNames;
import org.hapager.workload.tpcc.NURandConstants;
import org.hapager.workload.tpcc.TpccRandom;
import org.hapager.workload.tpcc.TpccScale;
import org.hapager.workload.tpcc.schema.TpccSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Populates the nine tables as TPC-C clause 4.3.3.1 describes, at a {@link TpccScale}: ITEM once, then per
 * warehouse its row, its STOCK, its 10 districts, and per district the customers (last names from the
 * syllable table: the first 1,000 in order, the rest by {@code NURand(255, 0, 999)}), one history row each,
 * the orders (customers in a random permutation, 5-15 lines each, the last 900 undelivered with a NEW_ORDER
 * row, the others with a carrier and delivered lines).
 *
 * <p>The tables must exist and be empty ({@link #createAndLoad} drops and creates them first). Rows go in
 * JDBC batches with a commit every {@link LoadOptions#commitEvery()} rows; with {@code threads > 1} several
 * warehouses load at once, each on its own connection. The total reported to {@link LoadProgress} is exact:
 * the order-line counts are drawn from per-district generators before loading starts.
 */
public final class TpccLoader {

    private static final Logger log = LoggerFactory.getLogger(TpccLoader.class);
    private static final BigDecimal W_YTD = new BigDecimal("300000.00");
    private static final BigDecimal D_YTD = new BigDecimal("30000.00");
    private static final BigDecimal TEN = new BigDecimal("10.00");
    private static final BigDecimal ZERO_AMOUNT = new BigDecimal("0.00");
    private static final BigDecimal CREDIT_LIM = new BigDecimal("50000.00");
    private static final BigDecimal BALANCE = new BigDecimal("-10.00");

    private final DataSource dataSource;
    private final TpccScale scale;
    private final LoadOptions options;
    private final LoadProgress progress;
    private final NURandConstants constants;
    private final Timestamp now = new Timestamp(System.currentTimeMillis());
    private final AtomicLong loaded = new AtomicLong();
    private final Map<String, AtomicLong> rows = new LinkedHashMap<>();
    private long total;

    private TpccLoader(DataSource dataSource, TpccScale scale, LoadOptions options, LoadProgress progress) {
        this.dataSource = dataSource;
        this.scale = scale;
        this.options = options;
        this.progress = progress;
        this.constants = NURandConstants.forLoad(new SplittableRandom(options.seed()));
        for (String t : TpccSchema.TABLES) {
            rows.put(t, new AtomicLong());
        }
    }

    /** Loads into the existing, empty tables. */
    public static LoadResult load(DataSource ds, TpccScale scale, LoadOptions options, LoadProgress progress)
            throws SQLException {
        return new TpccLoader(ds, scale, options, progress).run();
    }

    /** Drops whichever TPC-C tables exist, creates the schema, and loads it. */
    public static LoadResult createAndLoad(DataSource ds, TpccScale scale, LoadOptions options,
            LoadProgress progress) throws SQLException {
        try (Connection c = ds.getConnection()) {
            TpccSchema.drop(c);
            TpccSchema.create(c);
        }
        return load(ds, scale, options, progress);
    }

    /** The exact number of rows a load of {@code scale} with {@code seed} writes. */
    public static long totalRows(TpccScale scale, long seed) {
        long perDistrict = 3L * scale.customersPerDistrict() + scale.newOrdersPerDistrict();
        long n = scale.items() + (long) scale.warehouses() * (1 + scale.items() + TpccScale.DISTRICTS * (1 + perDistrict));
        for (int w = 1; w <= scale.warehouses(); w++) {
            for (int d = 1; d <= TpccScale.DISTRICTS; d++) {
                for (int olCnt : orderLineCounts(scale, seed, w, d)) {
                    n += olCnt;
                }
            }
        }
        return n;
    }

    /** O_OL_CNT of each loaded order of district (w, d), index o_id - 1: the same on every call. */
    static int[] orderLineCounts(TpccScale scale, long seed, int w, int d) {
        TpccRandom r = new TpccRandom(seedOf(seed, w, d, 1), NURandConstants.forLoad(new SplittableRandom(seed)));
        int[] counts = new int[scale.ordersPerDistrict()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = r.uniform(5, 15);
        }
        return counts;
    }

    private static long seedOf(long seed, int w, int d, int tag) {
        return new SplittableRandom(seed ^ (w * 0x9E3779B97F4A7C15L) ^ (d * 0xC2B2AE3D27D4EB4FL) ^ tag).nextLong();
    }

    private LoadResult run() throws SQLException {
        long start = System.nanoTime();
        total = totalRows(scale, options.seed());
        log.info("loading TPC-C: {} warehouse(s), {} rows{}", scale.warehouses(), total,
                scale.isSpec() ? "" : " (reduced scale, not spec-compliant)");
        try (Connection c = dataSource.getConnection(); Batches b = batches(c)) {
            loadItems(b, new TpccRandom(seedOf(options.seed(), 0, 0, 0), constants));
            b.commit();
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(options.threads(), scale.warehouses()), r -> {
            Thread t = new Thread(r, "tpcc-loader");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 1; w <= scale.warehouses(); w++) {
                int wId = w;
                futures.add(pool.submit(() -> {
                    loadWarehouse(wId);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                await(f);
            }
        } finally {
            pool.shutdownNow();
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        rows.forEach((t, n) -> counts.put(t, n.get()));
        return new LoadResult(counts, Duration.ofNanos(System.nanoTime() - start));
    }

    private static void await(Future<?> f) throws SQLException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while loading", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException s) {
                throw s;
            }
            throw new SQLException("loading failed: " + e.getCause(), e.getCause());
        }
    }

    private Batches batches(Connection c) throws SQLException {
        return new Batches(c, options.batchSize(), options.commitEvery(), n -> {
            synchronized (progress) { // count and report together: reports from two loaders stay in order
                progress.rowsLoaded(loaded.addAndGet(n), total);
            }
        });
    }

    private void count(String table) {
        rows.get(table).incrementAndGet();
    }

    private void loadItems(Batches b, TpccRandom r) throws SQLException {
        PreparedStatement ps = b.prepare("INSERT INTO item (i_id, i_im_id, i_name, i_price, i_data) VALUES (?, ?, ?, ?, ?)");
        for (int i = 1; i <= scale.items(); i++) {
            ps.setInt(1, i);
            ps.setInt(2, r.uniform(1, 10_000));
            ps.setString(3, r.astring(14, 24));
            ps.setBigDecimal(4, r.decimal(100, 10_000, 2));
            ps.setString(5, r.dataWithOriginal());
            b.add(ps);
            count("item");
        }
    }

    private void loadWarehouse(int w) throws SQLException {
        TpccRandom r = new TpccRandom(seedOf(options.seed(), w, 0, 0), constants);
        try (Connection c = dataSource.getConnection(); Batches b = batches(c)) {
            PreparedStatement ps = b.prepare("INSERT INTO warehouse (w_id, w_name, w_street_1, w_street_2, w_city,"
                    + " w_state, w_zip, w_tax, w_ytd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
            ps.setInt(1, w);
            ps.setString(2, r.astring(6, 10));
            setAddress(ps, 3, r);
            ps.setBigDecimal(8, r.decimal(0, 2000, 4));
            ps.setBigDecimal(9, W_YTD);
            b.add(ps);
            count("warehouse");
            loadStock(b, r, w);
            b.commit();
            for (int d = 1; d <= TpccScale.DISTRICTS; d++) {
                loadDistrict(b, r, w, d);
                b.commit();
            }
        }
    }

    private void loadStock(Batches b, TpccRandom r, int w) throws SQLException {
        StringBuilder sql = new StringBuilder("INSERT INTO stock (s_i_id, s_w_id, s_quantity");
        for (int d = 1; d <= TpccScale.DISTRICTS; d++) {
            sql.append(", ").append(TpccSchema.distColumn(d));
        }
        sql.append(", s_ytd, s_order_cnt, s_remote_cnt, s_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement ps = b.prepare(sql.toString());
        for (int i = 1; i <= scale.items(); i++) {
            ps.setInt(1, i);
            ps.setInt(2, w);
            ps.setInt(3, r.uniform(10, 100));
            for (int d = 1; d <= TpccScale.DISTRICTS; d++) {
                ps.setString(3 + d, r.astring(24, 24));
            }
            ps.setInt(14, 0);
            ps.setInt(15, 0);
            ps.setInt(16, 0);
            ps.setString(17, r.dataWithOriginal());
            b.add(ps);
            count("stock");
        }
    }

    private void loadDistrict(Batches b, TpccRandom r, int w, int d) throws SQLException {
        PreparedStatement district = b.prepare("INSERT INTO district (d_id, d_w_id, d_name, d_street_1, d_street_2,"
                + " d_city, d_state, d_zip, d_tax, d_ytd, d_next_o_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        district.setInt(1, d);
        district.setInt(2, w);
        district.setString(3, r.astring(6, 10));
        setAddress(district, 4, r);
        district.setBigDecimal(9, r.decimal(0, 2000, 4));
        district.setBigDecimal(10, D_YTD);
        district.setInt(11, scale.ordersPerDistrict() + 1);
        b.add(district);
        count("district");
        loadCustomers(b, r, w, d);
        loadOrders(b, r, w, d);
    }

    private void loadCustomers(Batches b, TpccRandom r, int w, int d) throws SQLException {
        PreparedStatement customer = b.prepare("INSERT INTO customer (c_id, c_d_id, c_w_id, c_first, c_middle, c_last,"
                + " c_street_1, c_street_2, c_city, c_state, c_zip, c_phone, c_since, c_credit, c_credit_lim,"
                + " c_discount, c_balance, c_ytd_payment, c_payment_cnt, c_delivery_cnt, c_data)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement history = b.prepare("INSERT INTO history (h_c_id, h_c_d_id, h_c_w_id, h_d_id, h_w_id,"
                + " h_date, h_amount, h_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        int lastNameMax = scale.lastNameMax();
        for (int c = 1; c <= scale.customersPerDistrict(); c++) {
            customer.setInt(1, c);
            customer.setInt(2, d);
            customer.setInt(3, w);
            customer.setString(4, r.astring(8, 16));
            customer.setString(5, "OE");
            customer.setString(6, c <= lastNameMax + 1
                    ? LastNames.of(c - 1) : r.lastName(lastNameMax));
            setAddress(customer, 7, r);
            customer.setString(12, r.nstring(16, 16));
            customer.setTimestamp(13, now);
            customer.setString(14, r.percent(10) ? "BC" : "GC");
            customer.setBigDecimal(15, CREDIT_LIM);
            customer.setBigDecimal(16, r.decimal(0, 5000, 4));
            customer.setBigDecimal(17, BALANCE);
            customer.setBigDecimal(18, TEN);
            customer.setInt(19, 1);
            customer.setInt(20, 0);
            customer.setString(21, r.astring(300, 500));
            b.add(customer);
            count("customer");

            history.setInt(1, c);
            history.setInt(2, d);
            history.setInt(3, w);
            history.setInt(4, d);
            history.setInt(5, w);
            history.setTimestamp(6, now);
            history.setBigDecimal(7, TEN);
            history.setString(8, r.astring(12, 24));
            b.add(history);
            count("history");
        }
    }

    private void loadOrders(Batches b, TpccRandom r, int w, int d) throws SQLException {
        PreparedStatement order = b.prepare("INSERT INTO orders (o_id, o_d_id, o_w_id, o_c_id, o_entry_d,"
                + " o_carrier_id, o_ol_cnt, o_all_local) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement line = b.prepare("INSERT INTO order_line (ol_o_id, ol_d_id, ol_w_id, ol_number, ol_i_id,"
                + " ol_supply_w_id, ol_delivery_d, ol_quantity, ol_amount, ol_dist_info)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement newOrder = b.prepare("INSERT INTO new_order (no_o_id, no_d_id, no_w_id) VALUES (?, ?, ?)");
        int[] customers = r.permutation(scale.customersPerDistrict());
        int[] lineCounts = orderLineCounts(scale, options.seed(), w, d);
        int firstNew = scale.firstNewOrderId();
        for (int o = 1; o <= scale.ordersPerDistrict(); o++) {
            boolean delivered = o < firstNew;
            order.setInt(1, o);
            order.setInt(2, d);
            order.setInt(3, w);
            order.setInt(4, customers[o - 1]);
            order.setTimestamp(5, now);
            if (delivered) {
                order.setInt(6, r.uniform(1, 10));
            } else {
                order.setNull(6, Types.INTEGER);
            }
            order.setInt(7, lineCounts[o - 1]);
            order.setInt(8, 1);
            b.add(order);
            count("orders");
            for (int n = 1; n <= lineCounts[o - 1]; n++) {
                line.setInt(1, o);
                line.setInt(2, d);
                line.setInt(3, w);
                line.setInt(4, n);
                line.setInt(5, r.uniform(1, scale.items()));
                line.setInt(6, w);
                if (delivered) {
                    line.setTimestamp(7, now);
                } else {
                    line.setNull(7, Types.TIMESTAMP);
                }
                line.setInt(8, 5);
                line.setBigDecimal(9, delivered ? ZERO_AMOUNT : r.decimal(1, 999_999, 2));
                line.setString(10, r.astring(24, 24));
                b.add(line);
                count("order_line");
            }
            if (!delivered) {
                newOrder.setInt(1, o);
                newOrder.setInt(2, d);
                newOrder.setInt(3, w);
                b.add(newOrder);
                count("new_order");
            }
        }
    }

    /** Street 1, street 2, city, state, zip into five parameters from {@code first}. */
    private static void setAddress(PreparedStatement ps, int first, TpccRandom r) throws SQLException {
        ps.setString(first, r.astring(10, 20));
        ps.setString(first + 1, r.astring(10, 20));
        ps.setString(first + 2, r.astring(10, 20));
        ps.setString(first + 3, r.state());
        ps.setString(first + 4, r.zip());
    }
}
