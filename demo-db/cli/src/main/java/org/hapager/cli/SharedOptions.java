package org.hapager.cli;

import java.nio.file.Path;
import org.hapager.cli.workload.RunOutputs;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options several commands share, each declared once here as a picocli mixin, so that its name, parameter
 * label, description and type are the same wherever it appears:
 * <ul>
 *   <li>{@link WorkloadRun}, all six: {@code demo} and the workload commands ({@code tpcc}, {@code tpcb},
 *   {@code run}, {@code chaos});</li>
 *   <li>{@link Data} and {@link Lease}: {@code page-demo} and {@code chaos-verify} (which requires
 *   {@code --data});</li>
 *   <li>{@link Lease} and {@link Json}: {@code failover-bench}; {@link Data} and {@link Json}: {@code bench}.</li>
 * </ul>
 * A command whose default differs passes it to the mixin's constructor: the field's initial value, which picocli
 * takes as the default. They differ because the commands do different jobs:
 * <ul>
 *   <li>{@code --lease-ms}: 1000 where Derby runs on the pager (demo, the workload commands, chaos-verify); 500
 *   in the page-level commands, {@code page-demo} and {@code failover-bench}, the lease BENCHMARKS.md's
 *   failover figures are measured at;</li>
 *   <li>{@code --report}: none in the workload commands (a report only when asked);
 *   {@code hapager-demo-report.html} in {@code demo} and {@code hapager-chaos-report.html} in {@code chaos},
 *   which always write one;</li>
 *   <li>{@code --json}: none in demo and the workload commands; {@code bench-results/*.json} in the benchmarks,
 *   whose JSON file is their result.</li>
 * </ul>
 * The descriptions of {@code --json} and {@code --report} name no default (picocli would show a missing one as
 * "null"): a command that has one says so in its own description.
 *
 * <p>Checks: every command with {@code --lease-ms} calls {@link Lease#validate}; {@link WorkloadRun#validate}
 * also wants the directories of {@code --json} and {@code --report} to exist before a run starts, whereas the
 * benchmarks create theirs ({@code bench-results/}) when they write.
 */
public final class SharedOptions {

    private SharedOptions() {
    }

    /** {@code --data DIR}. */
    public static final class Data {

        @Option(names = "--data", paramLabel = "DIR", description = "data directory: the page servers' store and,"
                + " where Derby runs, its files; kept afterwards (default: a temporary one)")
        private Path directory;

        /** The directory given, or null: a temporary one. */
        public Path directory() {
            return directory;
        }
    }

    /** {@code --seed N}. */
    public static final class Seed {

        @Option(names = "--seed", paramLabel = "N",
                description = "seed of the load and the run's inputs (default: from the clock)")
        private Long seed;

        /** {@code --seed}, or else one from the clock (a new one on each call). */
        public long orFromClock() {
            return seed != null ? seed : System.nanoTime();
        }
    }

    /** {@code --lease-ms MS}: 1000 unless the command gives another default. */
    public static final class Lease {

        @Option(names = "--lease-ms", paramLabel = "MS", description = "the hapager client's lease on its page"
                + " server: how soon a frozen one is given up (default: ${DEFAULT-VALUE})")
        private long millis;

        public Lease() {
            this(1000);
        }

        public Lease(long defaultMillis) {
            this.millis = defaultMillis;
        }

        public long millis() {
            return millis;
        }

        /** 100 to 10000 ms; else a usage error. */
        public void validate(CommandLine cl) {
            if (millis < 100 || millis > 10_000) {
                throw new ParameterException(cl, "--lease-ms must be 100 to 10000, not " + millis);
            }
        }
    }

    /** {@code --json FILE}: none unless the command gives a default. */
    public static final class Json {

        @Option(names = "--json", paramLabel = "FILE",
                description = "write the results as JSON to FILE (a run of a workload: schema"
                        + " hapager.workload.result/1)")
        private Path file;

        public Json() {
        }

        public Json(String defaultFile) {
            this.file = Path.of(defaultFile);
        }

        /** The file, or null: no JSON. */
        public Path file() {
            return file;
        }
    }

    /** {@code --report FILE.html}: none unless the command gives a default. */
    public static final class Report {

        @Option(names = "--report", paramLabel = "FILE.html",
                description = "write a self-contained HTML report with charts")
        private Path file;

        public Report() {
        }

        public Report(String defaultFile) {
            this.file = Path.of(defaultFile);
        }

        /** The file, or null: no report. */
        public Path file() {
            return file;
        }
    }

    /** {@code --metrics-port N}. */
    public static final class MetricsPort {

        @Option(names = "--metrics-port", paramLabel = "N", description = "serve the meters at"
                + " http://127.0.0.1:N/metrics (Prometheus text format) while the command runs; 0 picks a port")
        private Integer port;

        /** The port, or null: no endpoint. */
        public Integer port() {
            return port;
        }
    }

    /**
     * The six together, for a run of a workload on a database: {@code demo} and the workload commands. Where
     * the data lives, the run's seed and lease, and where its results go.
     */
    public static final class WorkloadRun {

        @Mixin
        private Data data = new Data();

        @Mixin
        private Json json = new Json();

        @Mixin
        private Report report;

        @Mixin
        private MetricsPort metricsPort = new MetricsPort();

        @Mixin
        private Seed seed = new Seed();

        @Mixin
        private Lease lease = new Lease();

        /** No report unless {@code --report}. */
        public WorkloadRun() {
            this.report = new Report();
        }

        /** A report always, {@code defaultReport} unless {@code --report} names another file. */
        public WorkloadRun(String defaultReport) {
            this.report = new Report(defaultReport);
        }

        /** {@code --data}, or null: a temporary directory. */
        public Path data() {
            return data.directory();
        }

        /** {@code --seed}, or else one from the clock (a new one on each call). */
        public long seedOrFromClock() {
            return seed.orFromClock();
        }

        public long leaseMillis() {
            return lease.millis();
        }

        /** {@code --json}, or null. */
        public Path json() {
            return json.file();
        }

        /** {@code --report}, or the command's default, or null. */
        public Path report() {
            return report.file();
        }

        /** {@code --metrics-port}, or null. */
        public Integer metricsPort() {
            return metricsPort.port();
        }

        /** The port is 0 to 65535, each file's directory exists, the lease is 100 to 10000 ms; else a usage error. */
        public void validate(CommandLine cl) {
            RunOutputs.check(cl, metricsPort.port(), json.file(), report.file());
            lease.validate(cl);
        }
    }
}
