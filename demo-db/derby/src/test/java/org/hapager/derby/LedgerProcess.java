package org.hapager.derby;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The {@link Ledger} workload in a child JVM, for tests that kill -9 the JVM running Derby. The cluster is
 * configured by the {@code hapager.derby.CLUSTER.*} system properties; each committed transfer id is written
 * to a log outside the database (flushed to the OS, which survives the JVM's death) after its commit
 * returns. Stops by itself after {@code maxSeconds}.
 *
 * <p>Usage: {@code LedgerProcess URL COMMITTED_LOG THREADS GENERATION MAX_SECONDS}
 */
public final class LedgerProcess {

    private LedgerProcess() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        Path committedLog = Path.of(args[1]);
        int threads = Integer.parseInt(args[2]);
        long generation = Long.parseLong(args[3]);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[4]));
        HapagerDerby.install();
        try (Connection c = DriverManager.getConnection(url + ";create=true")) {
            if (c.getWarnings() == null) { // a new database: "database not created, connection made" otherwise
                Ledger.create(c);
            }
        }
        System.out.println("ledger running");
        System.out.flush();
        try (Writer log = Files.newBufferedWriter(committedLog, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int index = t;
                Thread w = new Thread(() -> work(url, index, generation, deadline, log), "ledger-" + t);
                w.start();
                workers.add(w);
            }
            for (Thread w : workers) {
                w.join();
            }
        }
        System.out.println("ledger done");
    }

    private static void work(String url, int index, long generation, long deadline, Writer log) {
        Random rnd = new Random(generation * 1000 + index);
        try (Connection c = DriverManager.getConnection(url)) {
            for (long n = 0; System.nanoTime() < deadline; n++) {
                long id = generation * 1_000_000_000_000L + index * 1_000_000_000L + n;
                try {
                    Ledger.transfer(c, rnd, id);
                } catch (SQLException e) {
                    if (Ledger.isRetryable(e)) {
                        continue;
                    }
                    throw e;
                }
                synchronized (log) {
                    log.write(id + "\n");
                    log.flush();
                }
            }
        } catch (SQLException | IOException e) {
            System.out.println("ledger worker " + index + " failed: " + e);
            e.printStackTrace(System.out);
        }
    }

    /** Ids in a committed log (a line cut by the kill is ignored). */
    static Set<Long> committed(Path log) throws IOException {
        Set<Long> ids = new HashSet<>();
        if (!Files.exists(log)) {
            return ids;
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) { // the last piece has no newline: cut by the kill, or empty
            ids.add(Long.parseLong(lines[i]));
        }
        return ids;
    }

}
