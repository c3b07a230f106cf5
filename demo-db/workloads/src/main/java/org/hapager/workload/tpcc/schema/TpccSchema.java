package org.hapager.workload.tpcc.schema;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hapager.workload.schema.TableSet;

/**
 * The nine TPC-C tables of clause 1.3 with their primary keys (clause 1.3.1), in the connection's default
 * schema. Portable DDL (INTEGER, DECIMAL, VARCHAR, CHAR, TIMESTAMP; no {@code IF NOT EXISTS}) that runs on
 * Apache Derby; no table or column name is a reserved word ({@code ORDERS}, not {@code ORDER}).
 *
 * <p>Two secondary indexes: {@code customer (c_w_id, c_d_id, c_last, c_first)} for the look-ups by last
 * name, and {@code orders (o_w_id, o_d_id, o_c_id, o_id)} for Order-Status's "latest order of a customer"
 * (without it that transaction scans a district's orders). HISTORY has no key, as in the specification. No
 * foreign keys are declared.
 */
public final class TpccSchema {

    /** The nine tables, in creation order. */
    public static final List<String> TABLES = List.of(
            "warehouse", "district", "customer", "history", "new_order", "orders", "order_line", "item", "stock");

    private static final TableSet TABLE_SET = new TableSet(TABLES);

    private TpccSchema() {
    }

    /** Every statement {@link #create} runs, in order. */
    public static List<String> ddl() {
        List<String> ddl = new ArrayList<>();
        ddl.add("CREATE TABLE warehouse (w_id INTEGER NOT NULL, w_name VARCHAR(10), " + address("w") + ","
                + " w_tax DECIMAL(4,4), w_ytd DECIMAL(12,2), PRIMARY KEY (w_id))");
        ddl.add("CREATE TABLE district (d_id INTEGER NOT NULL, d_w_id INTEGER NOT NULL, d_name VARCHAR(10),"
                + " " + address("d") + ", d_tax DECIMAL(4,4), d_ytd DECIMAL(12,2), d_next_o_id INTEGER,"
                + " PRIMARY KEY (d_w_id, d_id))");
        ddl.add("CREATE TABLE customer (c_id INTEGER NOT NULL, c_d_id INTEGER NOT NULL, c_w_id INTEGER NOT NULL,"
                + " c_first VARCHAR(16), c_middle CHAR(2), c_last VARCHAR(16), " + address("c") + ","
                + " c_phone CHAR(16), c_since TIMESTAMP, c_credit CHAR(2), c_credit_lim DECIMAL(12,2),"
                + " c_discount DECIMAL(4,4), c_balance DECIMAL(12,2), c_ytd_payment DECIMAL(12,2),"
                + " c_payment_cnt INTEGER, c_delivery_cnt INTEGER, c_data VARCHAR(500),"
                + " PRIMARY KEY (c_w_id, c_d_id, c_id))");
        ddl.add("CREATE INDEX customer_last ON customer (c_w_id, c_d_id, c_last, c_first)");
        ddl.add("CREATE TABLE history (h_c_id INTEGER, h_c_d_id INTEGER, h_c_w_id INTEGER, h_d_id INTEGER,"
                + " h_w_id INTEGER, h_date TIMESTAMP, h_amount DECIMAL(6,2), h_data VARCHAR(24))");
        ddl.add("CREATE TABLE new_order (no_o_id INTEGER NOT NULL, no_d_id INTEGER NOT NULL,"
                + " no_w_id INTEGER NOT NULL, PRIMARY KEY (no_w_id, no_d_id, no_o_id))");
        ddl.add("CREATE TABLE orders (o_id INTEGER NOT NULL, o_d_id INTEGER NOT NULL, o_w_id INTEGER NOT NULL,"
                + " o_c_id INTEGER, o_entry_d TIMESTAMP, o_carrier_id INTEGER, o_ol_cnt INTEGER,"
                + " o_all_local INTEGER, PRIMARY KEY (o_w_id, o_d_id, o_id))");
        ddl.add("CREATE INDEX orders_customer ON orders (o_w_id, o_d_id, o_c_id, o_id)");
        ddl.add("CREATE TABLE order_line (ol_o_id INTEGER NOT NULL, ol_d_id INTEGER NOT NULL,"
                + " ol_w_id INTEGER NOT NULL, ol_number INTEGER NOT NULL, ol_i_id INTEGER, ol_supply_w_id INTEGER,"
                + " ol_delivery_d TIMESTAMP, ol_quantity INTEGER, ol_amount DECIMAL(6,2), ol_dist_info CHAR(24),"
                + " PRIMARY KEY (ol_w_id, ol_d_id, ol_o_id, ol_number))");
        ddl.add("CREATE TABLE item (i_id INTEGER NOT NULL, i_im_id INTEGER, i_name VARCHAR(24),"
                + " i_price DECIMAL(5,2), i_data VARCHAR(50), PRIMARY KEY (i_id))");
        StringBuilder stock = new StringBuilder("CREATE TABLE stock (s_i_id INTEGER NOT NULL,"
                + " s_w_id INTEGER NOT NULL, s_quantity INTEGER");
        for (int d = 1; d <= 10; d++) {
            stock.append(", ").append(distColumn(d)).append(" CHAR(24)");
        }
        stock.append(", s_ytd INTEGER, s_order_cnt INTEGER, s_remote_cnt INTEGER, s_data VARCHAR(50),"
                + " PRIMARY KEY (s_w_id, s_i_id))");
        ddl.add(stock.toString());
        return List.copyOf(ddl);
    }

    /** {@code s_dist_01} .. {@code s_dist_10}: the stock column holding district {@code d}'s info. */
    public static String distColumn(int d) {
        return String.format(Locale.ROOT, "s_dist_%02d", d);
    }

    /** Creates the tables and indexes and commits. Fails if any of them exists. */
    public static void create(Connection c) throws SQLException {
        TableSet.inTransaction(c, ddl());
    }

    /** The TPC-C tables present in the connection's default schema (names in lower case). */
    public static List<String> existingTables(Connection c) throws SQLException {
        return TABLE_SET.existing(c);
    }

    /** Drops whichever of the nine tables exist (with their indexes) and commits. */
    public static void drop(Connection c) throws SQLException {
        TABLE_SET.drop(c);
    }

    private static String address(String p) {
        return p + "_street_1 VARCHAR(20), " + p + "_street_2 VARCHAR(20), " + p + "_city VARCHAR(20), "
                + p + "_state CHAR(2), " + p + "_zip CHAR(9)";
    }
}
