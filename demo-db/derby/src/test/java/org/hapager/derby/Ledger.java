package org.hapager.derby;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A checkable transactional workload: money moves between accounts, each transfer is recorded, the total
 * never changes. After any crash, a correct database has (1) the constant total, (2) every account's balance
 * equal to its opening balance plus the transfers recorded for it (no half transaction), and (3) every
 * transfer the workload saw committed. Transaction ids are unique across runs ({@code generation}).
 */
final class Ledger {

    static final int ACCOUNTS = 100;
    static final long OPENING_BALANCE = 1_000;
    static final long TOTAL = ACCOUNTS * OPENING_BALANCE;

    private Ledger() {
    }

    static void create(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE account (id INT PRIMARY KEY, balance BIGINT NOT NULL)");
            s.execute("CREATE TABLE transfer (id BIGINT PRIMARY KEY, src INT NOT NULL, dst INT NOT NULL,"
                    + " amount BIGINT NOT NULL, note VARCHAR(200))");
        }
        c.setAutoCommit(false);
        try (PreparedStatement p = c.prepareStatement("INSERT INTO account VALUES (?, ?)")) {
            for (int i = 0; i < ACCOUNTS; i++) {
                p.setInt(1, i);
                p.setLong(2, OPENING_BALANCE);
                p.addBatch();
            }
            p.executeBatch();
        }
        c.commit();
    }

    /** One transfer with id {@code id}, committed when this returns normally. */
    static void transfer(Connection c, Random rnd, long id) throws SQLException {
        int src = rnd.nextInt(ACCOUNTS);
        int dst = (src + 1 + rnd.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
        long amount = 1 + rnd.nextInt(50);
        c.setAutoCommit(false);
        try (PreparedStatement debit = c.prepareStatement("UPDATE account SET balance = balance - ? WHERE id = ?");
             PreparedStatement credit = c.prepareStatement("UPDATE account SET balance = balance + ? WHERE id = ?");
             PreparedStatement record = c.prepareStatement("INSERT INTO transfer VALUES (?, ?, ?, ?, ?)")) {
            debit.setLong(1, amount);
            debit.setInt(2, src);
            debit.executeUpdate();
            credit.setLong(1, amount);
            credit.setInt(2, dst);
            credit.executeUpdate();
            record.setLong(1, id);
            record.setInt(2, src);
            record.setInt(3, dst);
            record.setLong(4, amount);
            record.setString(5, "transfer " + id + " of " + amount + " from " + src + " to " + dst);
            record.executeUpdate();
            c.commit();
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException rollbackFailed) { // a connection Derby closed: keep the original failure
                e.addSuppressed(rollbackFailed);
            }
            throw e;
        }
    }

    /** Deadlock victims and lock timeouts: retried, counted apart from failures. */
    static boolean isRetryable(SQLException e) {
        return "40001".equals(e.getSQLState()) || "40XL1".equals(e.getSQLState()) || "40XL2".equals(e.getSQLState());
    }

    /** What is wrong with the database given the ids seen committed; empty if nothing. */
    static List<String> check(Connection c, Set<Long> committed) throws SQLException {
        List<String> problems = new ArrayList<>();
        Map<Integer, Long> expected = new HashMap<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            expected.put(i, OPENING_BALANCE);
        }
        Set<Long> present = new java.util.HashSet<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT id, src, dst, amount FROM transfer")) {
            while (r.next()) {
                present.add(r.getLong(1));
                expected.merge(r.getInt(2), -r.getLong(4), Long::sum);
                expected.merge(r.getInt(3), r.getLong(4), Long::sum);
            }
        }
        long total = 0;
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT id, balance FROM account")) {
            while (r.next()) {
                long balance = r.getLong(2);
                total += balance;
                if (balance != expected.get(r.getInt(1))) {
                    problems.add("account " + r.getInt(1) + " has " + balance + ", its transfers say " + expected.get(r.getInt(1)));
                }
            }
        }
        if (total != TOTAL) {
            problems.add("total is " + total + ", expected " + TOTAL);
        }
        long missing = committed.stream().filter(id -> !present.contains(id)).count();
        if (missing > 0) {
            problems.add(missing + " of " + committed.size() + " committed transfers are missing, e.g. "
                    + committed.stream().filter(id -> !present.contains(id)).limit(5).toList());
        }
        return problems;
    }
}
