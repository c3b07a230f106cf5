package org.hapager.derby;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * Boots a database in its own JVM and says what happened on one line: {@code booted}, or {@code refused
 * SQLSTATE message}. The cluster comes from the {@code hapager.derby.CLUSTER.*} system properties.
 * Usage: {@code BootProbe URL}.
 */
public final class BootProbe {

    private BootProbe() {
    }

    public static void main(String[] args) {
        HapagerDerby.install();
        try (Connection c = DriverManager.getConnection(args[0])) {
            System.out.println("booted");
        } catch (SQLException e) {
            SQLException root = e;
            while (root.getNextException() != null) {
                root = root.getNextException();
            }
            System.out.println("refused " + root.getSQLState() + " " + root.getMessage());
        }
        System.out.flush();
        HapagerDerby.closeAll();
        System.exit(0);
    }
}
