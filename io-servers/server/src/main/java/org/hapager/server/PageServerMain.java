package org.hapager.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.hapager.server.fault.FaultPoints;
import org.hapager.server.reservation.FenceCommand;
import org.hapager.server.store.SizeLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The page server's command line. When ready it logs one line
 * {@code page server ready on HOST:PORT (pid N, data DIR, transport epoll|nio)}; SIGTERM or SIGINT drains
 * and exits 0 (1 if the drain timed out). Exit code 2 means bad usage. Exit code {@value #FENCED_EXIT_CODE}
 * means the server fenced itself after a failed flush of its storage (an ERROR line starting {@code FENCED:}
 * names the volume, the file and the exception): it answered nothing more, closed every connection and left
 * without draining, so clients reissued their requests to the secondary. Check the disk before restarting it.
 *
 * <p>Signals are handled with {@code sun.misc.Signal} rather than a shutdown hook, so the drain runs on the
 * main thread and the process can choose its exit code.
 */
@Command(name = "page-server", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Serves the volumes of a shared data directory over the hapager protocol.")
public final class PageServerMain implements Callable<Integer> {

    static {
        // The page server logs with its own configuration whatever else is on the class path (a test's
        // logback-test.xml, the command line's logback.xml): its "page server ready on" line is how launchers
        // find it. -Dlogback.configurationFile still overrides this.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "org/hapager/server/page-server-logback.xml");
        }
    }

    private static final Logger log = LoggerFactory.getLogger(PageServerMain.class);

    /**
     * The exit code of a server that fenced itself after a failed flush ({@code EX_IOERR} of sysexits.h): no
     * write after a failed {@code fdatasync} is acknowledged, so the process stops rather than serve on.
     */
    public static final int FENCED_EXIT_CODE = 74;

    /** Smallest buffer budget: room for the largest request (1 MiB of pages) and its frame. */
    static final int MIN_BUFFER_MIB = 2;

    @Spec
    private CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Data directory shared with the other page servers (volumes under DIR/volumes).")
    private Path dataDir;

    @Option(names = "--port", paramLabel = "N", defaultValue = "7070",
            description = "Port to listen on; 0 picks a free port (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "The client token, shared with the clients; created with mode 0600 and a random token if"
                    + " missing (default: DIR/token, in the data directory the servers share).")
    private Path tokenFile;

    @Option(names = "--peer-token-file", paramLabel = "FILE",
            description = "Secret of the page servers sharing the data directory: a connection proving it may make this"
                    + " server yield the storage reservation; created with mode 0600 and a random token if missing"
                    + " (default: DIR/peer-token). Give it to page servers only, never to clients.")
    private Path peerTokenFile;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    private String bind;

    @Option(names = "--metrics-port", paramLabel = "N",
            description = "Serve Prometheus metrics at http://BIND:N/metrics (default: no metrics endpoint).")
    private Integer metricsPort;

    @Option(names = "--max-inflight", paramLabel = "N", defaultValue = "256",
            description = "Requests in flight per connection, counted until their answers are sent, before it is closed as"
                    + " overloaded (default: ${DEFAULT-VALUE}).")
    private int maxInflight;

    @Option(names = "--max-buffer-mib", paramLabel = "MIB",
            description = "Payload all connections together may hold: frames being received, pages of executing writes,"
                    + " answers not yet sent. A connection whose frame or request does not fit stops being read until"
                    + " there is room (default: 256, or half the JVM's direct memory if that is less).")
    private Integer maxBufferMib;

    @Option(names = "--max-connection-buffer-mib", paramLabel = "MIB", defaultValue = "32",
            description = "Payload one connection may hold; a client that does not read its answers stops being read"
                    + " once this much waits for it (default: ${DEFAULT-VALUE}, at most --max-buffer-mib).")
    private int maxConnectionBufferMib;

    @Option(names = "--stall-timeout-ms", paramLabel = "MS", defaultValue = "1000",
            description = "While a connection waits for the buffer budget, a connection that has held some of it this"
                    + " long without progress (answers unread, a frame unfinished) is closed to give it back"
                    + " (default: ${DEFAULT-VALUE}).")
    private long stallTimeoutMillis;

    @Option(names = "--io-threads", paramLabel = "N", defaultValue = "4",
            description = "Storage I/O threads for namespace operations and syncs, and for page I/O with"
                    + " --no-inline-page-io (default: ${DEFAULT-VALUE}).")
    private int ioThreads;

    @Option(names = "--inline-page-io", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Read and write pages on the network threads (default). Fastest when the pages are in"
                    + " the page cache: no thread hand-off; a durable write still completes only after the group-commit"
                    + " fdatasync, which the network thread runs itself, once per read, when the file holds no"
                    + " buffered write. --no-inline-page-io moves page I/O to the I/O threads and every fdatasync to the"
                    + " group-commit threads, so a slow disk cannot stall other connections of the same network thread.")
    private boolean inlinePageIo;

    @Option(names = "--self-fence", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Holding the storage reservation, release it on its own (drained and flushed, as for a yield)"
                    + " once every client session has lapsed: a holder cut off from all its clients stops serving before"
                    + " the secondary has to fence it. A second line only: the secondary fences a holder that still holds"
                    + " (default: on; --no-self-fence keeps the reservation until asked or fenced).")
    private boolean selfFence;

    @Option(names = "--lease-max-ms", paramLabel = "MS", defaultValue = "10000",
            description = "Longest lease granted; a client's request is clamped to [100, MS] (default: ${DEFAULT-VALUE}).")
    private int leaseMaxMillis;

    @Option(names = "--handshake-timeout-ms", paramLabel = "MS", defaultValue = "5000",
            description = "Time from connect to authentication before the connection is closed (default: ${DEFAULT-VALUE}).")
    private int handshakeTimeoutMillis;

    @Option(names = "--max-unauthenticated", paramLabel = "N", defaultValue = "64",
            description = "Connections awaiting authentication at once; one more closes the oldest of them with an"
                    + " OVERLOAD error (default: ${DEFAULT-VALUE}).")
    private int maxUnauthenticated;

    @Option(names = "--drain-timeout-ms", paramLabel = "MS", defaultValue = "10000",
            description = "On SIGTERM, how long to wait for accepted requests to complete (default: ${DEFAULT-VALUE}).")
    private long drainTimeoutMillis;

    @Option(names = "--server-id", paramLabel = "NAME",
            description = "Name announced to clients (default: host:port).")
    private String serverId;

    @Option(names = "--warmup-ops", paramLabel = "N", defaultValue = "3000",
            description = "Page writes and reads run on a private scratch store before the server is ready, so the"
                    + " first requests after a failover do not run cold; 0 skips it (default: ${DEFAULT-VALUE}).")
    private int warmupOperations;

    @Option(names = "--fence-timeout-ms", paramLabel = "MS", defaultValue = "500",
            description = "Taking the storage reservation from another server: how long to wait for it to yield, for"
                    + " the fencing command, and for the lock after fencing (default: ${DEFAULT-VALUE}).")
    private long fenceTimeoutMillis;

    @Option(names = "--fence-command", paramLabel = "COMMAND", defaultValue = FenceCommand.DEFAULT,
            description = "Fences a reservation holder that did not yield in time (split on whitespace, run without a"
                    + " shell; {pid}, {host}, {port}, {server} name the holder; must exit 0 within the fence timeout)"
                    + " (default: ${DEFAULT-VALUE}).")
    private String fenceCommand;

    @Option(names = "--max-volume-bytes", paramLabel = "N",
            description = "Largest length of one volume: a write ending past N bytes, or a length change to more than N,"
                    + " is refused (INVALID) before anything is written (default: no limit).")
    private Long maxVolumeBytes;

    @Option(names = "--max-data-bytes", paramLabel = "N",
            description = "Largest sum of the lengths of all volumes under DIR/volumes, nested directories included (a"
                    + " sparse volume counts its whole length): a write or length change that would grow the sum past N"
                    + " bytes is refused (INVALID) before anything is written. The sum is counted at start and when the"
                    + " server takes the reservation over, and kept up to date by its own writes (default: no limit).")
    private Long maxDataBytes;

    @Option(names = "--fault", paramLabel = "SPEC", hidden = true,
            description = "Test fault point NAME@N (halt-on-receive, halt-after-accept, halt-after-complete,"
                    + " stop-after-accept: N counts requests from 1; fail-force: N counts group-commit forces from 1);"
                    + " repeatable.")
    private List<String> faults = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(run("page-server", args));
    }

    /**
     * Runs the page server as command {@code name} ({@code page-server}, or {@code hapager server} from the
     * command line's launcher) until SIGTERM or SIGINT; returns the exit code.
     */
    public static int run(String name, String[] args) {
        CommandLine cli = new CommandLine(new PageServerMain()).setCommandName(name);
        cli.setParameterExceptionHandler((ex, ignoredArgs) -> {
            ex.getCommandLine().getErr().println(name + ": " + ex.getMessage() + " (see --help)");
            return CommandLine.ExitCode.USAGE;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        check(port >= 0 && port <= 65535, "--port " + port + " (expected: 0 to 65535)");
        check(metricsPort == null || (metricsPort >= 0 && metricsPort <= 65535),
                "--metrics-port " + metricsPort + " (expected: 0 to 65535)");
        check(maxInflight >= 1, "--max-inflight " + maxInflight + " (expected: >= 1)");
        long directMib = io.netty.util.internal.PlatformDependent.maxDirectMemory() >> 20;
        int bufferMib = maxBufferMib != null ? maxBufferMib : (int) Math.max(MIN_BUFFER_MIB, Math.min(256, directMib / 2));
        int connectionBufferMib = Math.min(maxConnectionBufferMib, bufferMib);
        check(bufferMib >= MIN_BUFFER_MIB, "--max-buffer-mib " + bufferMib + " (expected: >= " + MIN_BUFFER_MIB + ")");
        check(maxConnectionBufferMib >= MIN_BUFFER_MIB,
                "--max-connection-buffer-mib " + maxConnectionBufferMib + " (expected: >= " + MIN_BUFFER_MIB + ")");
        if (2L * bufferMib > directMib) {
            log.warn("--max-buffer-mib {} holds up to {} MiB in buffers, more than the JVM's {} MiB of direct memory"
                    + " (-XX:MaxDirectMemorySize): raise it or lower the budget", bufferMib, 2L * bufferMib, directMib);
        }
        check(stallTimeoutMillis >= 1, "--stall-timeout-ms " + stallTimeoutMillis + " (expected: >= 1)");
        check(ioThreads >= 1, "--io-threads " + ioThreads + " (expected: >= 1)");
        check(warmupOperations >= 0, "--warmup-ops " + warmupOperations + " (expected: >= 0)");
        check(leaseMaxMillis >= 100, "--lease-max-ms " + leaseMaxMillis + " (expected: >= 100)");
        check(handshakeTimeoutMillis >= 1, "--handshake-timeout-ms " + handshakeTimeoutMillis + " (expected: >= 1)");
        check(maxUnauthenticated >= 1, "--max-unauthenticated " + maxUnauthenticated + " (expected: >= 1)");
        check(drainTimeoutMillis >= 0, "--drain-timeout-ms " + drainTimeoutMillis + " (expected: >= 0)");
        check(fenceTimeoutMillis >= 1, "--fence-timeout-ms " + fenceTimeoutMillis + " (expected: >= 1)");
        check(maxVolumeBytes == null || maxVolumeBytes >= 1, "--max-volume-bytes " + maxVolumeBytes + " (expected: >= 1)");
        check(maxDataBytes == null || maxDataBytes >= 1, "--max-data-bytes " + maxDataBytes + " (expected: >= 1)");
        check(!fenceCommand.isBlank(), "--fence-command '" + fenceCommand + "' (expected: a program and its arguments)");
        FaultPoints faultPoints;
        try {
            faultPoints = FaultPoints.parse(faults);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "invalid value " + e.getMessage());
        }

        Path data = dataDir.toAbsolutePath().normalize();
        Path token = tokenFile != null ? tokenFile : data.resolve("token");
        // in the shared data directory whatever --token-file says, so every server of it finds the same one
        Path peerToken = peerTokenFile != null ? peerTokenFile : data.resolve("peer-token");
        ServerConfig config = new ServerConfig(data, bind, port, token, peerToken, metricsPort == null ? -1 : metricsPort,
                maxInflight, ioThreads, inlinePageIo, Math.max(2, Runtime.getRuntime().availableProcessors()), leaseMaxMillis,
                handshakeTimeoutMillis, maxUnauthenticated, drainTimeoutMillis, serverId, fenceTimeoutMillis,
                FenceCommand.parse(fenceCommand), faultPoints, warmupOperations, (long) bufferMib << 20,
                (long) connectionBufferMib << 20, stallTimeoutMillis,
                new SizeLimits(maxVolumeBytes == null ? SizeLimits.NO_LIMIT : maxVolumeBytes,
                        maxDataBytes == null ? SizeLimits.NO_LIMIT : maxDataBytes), selfFence);
        if (!config.sizeLimits().equals(SizeLimits.NONE)) {
            log.info("size limits: {}", config.sizeLimits().describe());
        }
        if (faultPoints != FaultPoints.NONE) {
            log.warn("test fault points active: {}", faultPoints.describe());
        }
        CountDownLatch stopRequested = new CountDownLatch(1);
        String[] signalName = new String[1];
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                signalName[0] = signal.getName();
                stopRequested.countDown();
            });
        }
        PageServer server;
        try {
            server = PageServer.start(config);
        } catch (Exception e) {
            log.error("page server failed to start on {}:{} with data {}: {}", bind, port, data, e.toString());
            return 1;
        }
        String host = server.address().getHostString();
        log.info("page server ready on {}:{} (pid {}, data {}, transport {})", host.contains(":") ? "[" + host + "]" : host,
                server.address().getPort(), ProcessHandle.current().pid(), data, server.transport());
        server.fenced().thenRun(stopRequested::countDown);
        stopRequested.await();
        if (server.fenced().isDone()) {
            server.closeFenced();
            log.error("page server exits with {}: fenced after a failed flush ({})", FENCED_EXIT_CODE,
                    server.fenced().getNow("?"));
            return FENCED_EXIT_CODE;
        }
        log.info("SIG{} received: stopping", signalName[0]);
        return server.stop() ? 0 : 1;
    }

    private void check(boolean ok, String problem) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), "invalid value " + problem);
        }
    }
}
