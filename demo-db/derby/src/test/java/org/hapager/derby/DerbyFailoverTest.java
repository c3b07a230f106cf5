package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.hapager.server.process.PageServerProcess;
import org.hapager.testkit.Await;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page server serving Derby is killed (kill -9), then the next one is frozen (SIGSTOP), while Derby
 * runs the {@link Ledger} workload through HikariCP on several threads. No transaction fails because of
 * I/O (deadlock victims and lock timeouts are retried and counted apart), Derby never sees an error, and
 * after a reboot every committed transfer is there and the total holds.
 */
@ExtendWith(SeedExtension.class)
class DerbyFailoverTest {

    private static final int THREADS = 4;

    @TempDir
    Path dir;

    @Test
    void derbyRunsThroughKillNineAndSigstopOfItsPageServer(Seed seed) throws Exception {
        try (DerbyCluster cluster = new DerbyCluster("failover", dir)) {
            try (Connection c = cluster.connect("ledger", "create=true")) {
                Ledger.create(c);
            }
            HikariConfig hc = new HikariConfig();
            hc.setJdbcUrl(cluster.url("ledger"));
            hc.setMaximumPoolSize(THREADS);
            hc.setAutoCommit(false);
            hc.setPoolName("ledger");
            Set<Long> committed = Collections.synchronizedSet(new HashSet<>());
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            AtomicLong retried = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            try (HikariDataSource ds = new HikariDataSource(hc)) {
                List<Thread> workers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int index = t;
                    Thread w = new Thread(() -> work(ds, new Random(seed.value() + index), index, stop, committed, retried, failures),
                            "ledger-" + t);
                    w.start();
                    workers.add(w);
                }
                try {
                    Cluster c = HapagerDerby.cluster(cluster.name);
                    for (String fault : List.of("kill9", "sigstop")) {
                        awaitCommits(committed, committed.size() + 150, failures);
                        PageServerProcess victim = cluster.servers.at(c.pager.currentServer());
                        System.out.println(fault + " of the serving page server " + victim.address() + " after "
                                + committed.size() + " commits");
                        if (fault.equals("kill9")) {
                            victim.kill9();
                        } else {
                            victim.sigstop();
                        }
                        awaitServerOtherThan(c, victim.address());
                        if (fault.equals("sigstop")) {
                            assertTrue(victim.awaitExit(Duration.ofSeconds(20)), "the frozen server was fenced");
                        }
                        cluster.servers.restart(victim); // back as the secondary
                    }
                    awaitCommits(committed, committed.size() + 150, failures);
                } finally {
                    stop.set(true);
                    for (Thread w : workers) {
                        w.join(TimeUnit.SECONDS.toMillis(60));
                    }
                }
            }
            assertEquals(List.of(), failures, "transactions failed (" + retried + " retried)");
            System.out.println(committed.size() + " transfers committed, " + retried + " retried (deadlock/lock timeout)");
            try (Connection c = cluster.connect("ledger", "")) {
                assertEquals(List.of(), Ledger.check(c, committed), "ledger after the faults");
            }
            cluster.shutdown("ledger");
            try (Connection c = cluster.connect("ledger", "")) { // a clean reboot: nothing marked corrupt
                assertEquals(List.of(), Ledger.check(c, committed), "ledger after a reboot");
            }
            cluster.shutdown("ledger");
        }
    }

    private static void work(HikariDataSource ds, Random rnd, int index, AtomicBoolean stop, Set<Long> committed,
                             AtomicLong retried, List<Throwable> failures) {
        long n = 0;
        while (!stop.get() && failures.isEmpty()) {
            long id = index * 1_000_000_000L + n++;
            try (Connection c = ds.getConnection()) {
                Ledger.transfer(c, rnd, id);
                committed.add(id);
            } catch (SQLException e) {
                if (Ledger.isRetryable(e)) {
                    retried.incrementAndGet();
                } else {
                    failures.add(e);
                }
            }
        }
    }

    private static void awaitCommits(Set<Long> committed, int count, List<Throwable> failures) {
        Await.until(count + " commits", Duration.ofSeconds(90), () -> {
            if (!failures.isEmpty()) {
                throw new AssertionError("a transaction failed: " + failures.get(0), failures.get(0));
            }
            return committed.size() >= count;
        }, () -> committed.size() + " of " + count);
    }

    private static void awaitServerOtherThan(Cluster c, InetSocketAddress old) {
        Await.until("the client to leave " + old, Duration.ofSeconds(30),
                () -> c.pager.currentServer() != null && !old.equals(c.pager.currentServer()));
    }
}
