package org.hapager.cli.workload;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.hapager.cli.DurationConverter;
import org.hapager.cli.SharedOptions;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options every workload command shares (pgbench's where pgbench has one): where the database is, how
 * many clients for how long, and where the results go. Validated by {@link WorkloadCommand}.
 */
public final class WorkloadOptions {

    /** Where Derby keeps the database when no {@code --url} is given. */
    public enum Storage {
        /** Derby on hapager: the embedded pair of page servers, or {@code --servers}. */
        HAPAGER,
        /** Derby's own storage in a directory (its {@code directory:} subprotocol). */
        DISK,
        /** Derby's in-memory storage: nothing survives the run. */
        MEMORY
    }

    @Option(names = "--url", paramLabel = "JDBC-URL", description = "run on this JDBC URL (any database whose driver"
            + " is on the class path; Derby's is) instead of the database --storage names")
    String url;

    @Option(names = "--storage", paramLabel = "KIND", defaultValue = "hapager",
            converter = StorageConverter.class,
            description = "hapager (Derby on hapager: an embedded pair of page servers, or --servers), disk (Derby's own"
                    + " storage, in --data), memory (Derby in memory); default: ${DEFAULT-VALUE}")
    Storage storage;

    @Option(names = "--servers", paramLabel = "HOST:PORT,HOST:PORT", split = ",",
            description = "page servers already running (hapager server), primary first; with --token-file")
    String[] servers;

    @Option(names = "--token-file", paramLabel = "FILE", description = "the page servers' shared secret, with --servers"
            + " (a server's is DIR/token unless it was given another)")
    Path tokenFile;

    @Option(names = {"-c", "--clients"}, paramLabel = "N", defaultValue = "4",
            description = "clients (threads, each with its own connection), 1-256 (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = {"-T", "--time", "--duration"}, paramLabel = "TIME", defaultValue = "60s", converter = DurationConverter.class,
            description = "how long the mix runs: 60, 60s, 1.5m (default: ${DEFAULT-VALUE}); 0 with -t for no time limit")
    Duration time;

    @Option(names = {"-t", "--transactions"}, paramLabel = "N", defaultValue = "0",
            description = "transactions per client, then it stops (default: no limit)")
    long transactions;

    @Option(names = {"-P", "--progress"}, paramLabel = "SEC", defaultValue = "1",
            description = "a progress line every SEC seconds, 0 for none (default: ${DEFAULT-VALUE})")
    int progress;

    /** --data, --json, --report, --metrics-port, --seed and --lease-ms. */
    @Mixin
    private final SharedOptions.WorkloadRun shared;

    /** No report unless {@code --report}: the workload commands. */
    public WorkloadOptions() {
        this.shared = new SharedOptions.WorkloadRun();
    }

    /** A report always, {@code defaultReport} unless {@code --report} names another: {@code hapager chaos}. */
    public WorkloadOptions(String defaultReport) {
        this.shared = new SharedOptions.WorkloadRun(defaultReport);
    }

    /** The database is Derby on the embedded pair of page servers: no {@code --url}, {@code --servers} or other storage. */
    public boolean embeddedPageServers() {
        return url == null && servers == null && storage == Storage.HAPAGER;
    }

    public int clients() {
        return clients;
    }

    /** {@code -T/--time/--duration}: how long the mix runs; zero for no time limit. */
    public Duration time() {
        return time;
    }

    /** {@code -P}: seconds between progress lines, 0 for none. */
    public int progressSeconds() {
        return progress;
    }

    /** {@code --data}, {@code --json}, {@code --report}, {@code --metrics-port}, {@code --seed}, {@code --lease-ms}. */
    public SharedOptions.WorkloadRun shared() {
        return shared;
    }

    /** Checks the options; a bad one is a {@link ParameterException} (a one-line usage error). */
    public void validate(CommandLine cl) {
        WorkloadOptions o = this;
        if (o.clients < 1 || o.clients > 256) {
            throw new ParameterException(cl, "-c/--clients must be 1 to 256, not " + o.clients);
        }
        if (o.time.isNegative() || o.transactions < 0) {
            throw new ParameterException(cl, "-T/--time and -t/--transactions must not be negative");
        }
        if (o.time.isZero() && o.transactions == 0) {
            throw new ParameterException(cl, "-T 0 needs -t N: a run needs a time limit, a transaction limit, or both");
        }
        if (o.progress < 0) {
            throw new ParameterException(cl, "-P/--progress must be 0 (none) or more seconds, not " + o.progress);
        }
        if (o.servers != null) {
            if (o.servers.length != 2) {
                throw new ParameterException(cl, "--servers needs two page servers, primary first: HOST:PORT,HOST:PORT");
            }
            for (String s : o.servers) {
                if (!s.matches("[^:\\s]+:\\d{1,5}") || Integer.parseInt(s.substring(s.lastIndexOf(':') + 1)) > 65535) {
                    throw new ParameterException(cl, "--servers: '" + s + "' is not HOST:PORT");
                }
            }
            if (o.tokenFile == null) {
                throw new ParameterException(cl, "--servers needs --token-file (the page servers' shared secret)");
            }
            if (!Files.isReadable(o.tokenFile)) {
                throw new ParameterException(cl, "--token-file " + o.tokenFile + " cannot be read");
            }
            if (o.url == null && o.storage != WorkloadOptions.Storage.HAPAGER) {
                throw new ParameterException(cl, "--servers is for --storage hapager, not " + o.storage.name().toLowerCase(Locale.ROOT));
            }
        } else if (o.tokenFile != null) {
            throw new ParameterException(cl, "--token-file goes with --servers");
        }
        if (o.url != null && !o.url.startsWith("jdbc:")) {
            throw new ParameterException(cl, "--url must be a JDBC URL (jdbc:...), not '" + o.url + "'");
        }
        if (o.url != null && cl.getParseResult().hasMatchedOption("--storage")) {
            throw new ParameterException(cl, "--url and --storage exclude each other");
        }
        shared.validate(cl);
    }

    /** {@code hapager}, {@code disk} or {@code memory}, any case. */
    static final class StorageConverter implements picocli.CommandLine.ITypeConverter<Storage> {
        @Override
        public Storage convert(String value) {
            try {
                return Storage.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a storage: hapager, disk or memory");
            }
        }
    }
}
