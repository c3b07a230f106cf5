package org.hapager.workload.tpcc.driver;

import java.sql.SQLException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.hapager.workload.driver.Driver;
import org.hapager.workload.driver.DriverOptions;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.tpcc.NURandConstants;
import org.hapager.workload.tpcc.checks.ConsistencyChecks;
import org.hapager.workload.tpcc.checks.Violation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the TPC-C mix on a loaded database: {@link RunOptions#terminals()} threads, each with its own
 * connection from the DataSource and a home warehouse and district, for {@link RunOptions#duration()} (or
 * until each has run {@link RunOptions#transactionLimit()} transactions, or {@link #stop()}); a
 * {@link org.hapager.workload.driver.Snapshot} every {@link RunOptions#interval()}; then consistency conditions 1-4.
 *
 * <pre>{@code
 * TpccResult r = new TpccRun(dataSource, RunOptions.builder(TpccScale.spec(2)).terminals(8)
 *         .duration(Duration.ofMinutes(1)).onSnapshot(s -> System.out.println(s.format())).build()).run();
 * System.out.println(r.summary());
 * }</pre>
 *
 * The DataSource should hand out at least {@code terminals} connections (plus one for the checks after
 * the run). The run sets each terminal connection's isolation and turns auto-commit off.
 */
public final class TpccRun {

    private static final Logger log = LoggerFactory.getLogger(TpccRun.class);

    private final DataSource dataSource;
    private final RunOptions options;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile Driver driver;

    public TpccRun(DataSource dataSource, RunOptions options) {
        this.dataSource = dataSource;
        this.options = options;
    }

    /** Ends the run early: terminals finish the transaction they are in and stop. Any thread. */
    public void stop() {
        stop.set(true);
        Driver d = driver;
        if (d != null) {
            d.stop();
        }
    }

    /**
     * Runs on the calling thread (which also calls {@link RunOptions#onSnapshot()}) and returns when every
     * terminal has stopped and the checks are done. A failed transaction does not end the run; it is counted
     * in the result. Once per instance.
     */
    public TpccResult run() throws InterruptedException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("a TpccRun runs once");
        }
        NURandConstants constants = NURandConstants.forRun(new SplittableRandom(options.seed()));
        TpccWorkload workload = new TpccWorkload(options.scale(), constants, options.maxAttempts());
        Driver d = new Driver(dataSource, workload, new DriverOptions(options.terminals(), options.duration(),
                options.transactionLimit(), options.seed(), options.isolation(), options.interval(),
                options.onSnapshot(), options.meterRegistry(), options.failuresKept()));
        driver = d;
        if (stop.get()) {
            d.stop();
        }
        log.info("TPC-C on {} warehouse(s)", options.scale().warehouses());
        DriverResult result = d.run();

        List<Violation> violations = List.of();
        String checkError = null;
        if (options.checkConsistency()) {
            try {
                violations = ConsistencyChecks.check(dataSource);
                violations.forEach(v -> log.warn("{}", v));
            } catch (SQLException | RuntimeException e) {
                checkError = e.toString();
                log.warn("consistency checks could not run", e);
            }
        }
        return new TpccResult(result, options.scale(), options.seed(), constants, options.checkConsistency(),
                violations, checkError);
    }
}
