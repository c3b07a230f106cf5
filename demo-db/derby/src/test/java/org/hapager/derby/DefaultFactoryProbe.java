package org.hapager.derby;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Runs in a JVM where hapager's factory is Derby's default ({@code derby.subSubProtocol.directory}, so plain
 * {@code jdbc:derby:CLUSTER/DB} URLs use it) and that sets whatever other {@code derby.*} properties the test
 * gives it (e.g. {@code derby.system.bootAll=true}), twice: boots the database, creating it if needed, adds a
 * row, prints {@code rows N}, shuts the engine down and prints {@code engine down}; the second time the engine
 * boots again (and bootAll lists the root again) with the database there. Any failure is printed with its
 * causes and exits 1. Usage: {@code DefaultFactoryProbe CLUSTER/DB}.
 */
public final class DefaultFactoryProbe {

    private DefaultFactoryProbe() {
    }

    public static void main(String[] args) {
        try {
            for (int round = 1; round <= 2; round++) {
                if (round > 1) {
                    Class.forName("org.apache.derby.jdbc.EmbeddedDriver").getDeclaredConstructor().newInstance(); // the engine again
                }
                bootAddShutDown(args[0]);
            }
            System.out.flush();
            System.exit(0);
        } catch (Throwable t) {
            for (Throwable e = t; e != null; e = e.getCause() == e ? null : e.getCause()) {
                System.out.println("failed: " + e);
            }
            t.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
    }

    private static void bootAddShutDown(String database) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:derby:" + database + ";create=true");
             Statement s = c.createStatement()) {
            if (!c.getMetaData().getTables(null, null, "ITEM", null).next()) {
                s.execute("CREATE TABLE item (id INT)");
            }
            s.execute("INSERT INTO item VALUES (1)");
            try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM item")) {
                r.next();
                System.out.println("rows " + r.getInt(1));
            }
        }
        try {
            DriverManager.getConnection("jdbc:derby:;shutdown=true");
        } catch (SQLException e) {
            if (!"XJ015".equals(e.getSQLState())) {
                throw e;
            }
        }
        System.out.println("engine down");
    }
}
