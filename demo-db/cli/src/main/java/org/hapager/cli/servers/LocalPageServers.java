package org.hapager.cli.servers;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.hapager.server.process.NetnsBed;
import org.hapager.server.process.PageServerProcess;

/**
 * Two local page servers (the demo's, and a workload command's embedded pair): child processes over one data directory, each restartable on its own port
 * (so the client's configuration stays right), and which of them the client serves from, read from the
 * pager's gauge {@code hapager.pager.server.current} in the shared registry.
 *
 * <p>On a {@link NetnsBed} ({@code hapager demo --hosts}) each server runs on its own host, {@value #HOST_A} and
 * {@value #HOST_B}, bound to the host's address on port {@value #BED_PORT}, and fences with the bed's agent.
 *
 * <p>Thread-safe: slots are swapped atomically; {@link #stopAll} may run from a shutdown hook while the
 * fault thread restarts a server (a server started after it is stopped by the next {@code stopAll}).
 */
public final class LocalPageServers implements AutoCloseable {

    /** Fast fencing: the server taking over waits 150 ms for a frozen holder to yield before killing it. */
    private static final String[] SERVER_ARGS = {"--fence-timeout-ms", "150"};

    /** The hosts of the servers on a bed, and their port there (each host is a namespace of its own). */
    public static final String HOST_A = "a";
    public static final String HOST_B = "b";
    static final int BED_PORT = 7070;

    private final Path store;
    private final Path token;
    /** The hosts the servers run on, or null for this host. */
    private final NetnsBed bed;
    /** Each slot's metrics port, the same across restarts; none when the servers serve no metrics. */
    private final int[] metricsPorts;
    private final AtomicReferenceArray<PageServerProcess> slots = new AtomicReferenceArray<>(2);
    /** Every process started, in order, for {@link #logs()}. */
    private final List<PageServerProcess> started = new CopyOnWriteArrayList<>();
    private volatile boolean stopped;

    private LocalPageServers(Path store, Path token, int[] metricsPorts, NetnsBed bed) {
        this.store = store;
        this.token = token;
        this.metricsPorts = metricsPorts;
        this.bed = bed;
    }

    /**
     * Starts both servers; with {@code metrics}, each serves its own meters at {@link #metricsUrl} (a port
     * kept across its restarts). If the second cannot start, the first is stopped.
     */
    public static LocalPageServers start(Path store, Path token, boolean metrics) {
        return start(store, token, metrics, null);
    }

    /** As {@link #start(Path, Path, boolean)}, the servers on the hosts {@value #HOST_A} and {@value #HOST_B} of {@code bed}. */
    public static LocalPageServers start(Path store, Path token, boolean metrics, NetnsBed bed) {
        int[] ports = !metrics ? new int[0] : bed != null ? new int[] {BED_PORT + 1, BED_PORT + 1}
                : new int[] {metricsPort(), metricsPort()};
        LocalPageServers s = new LocalPageServers(store, token, ports, bed);
        try {
            for (int i = 0; i < 2; i++) {
                PageServerProcess p = s.startOnFreePort(i);
                s.slots.set(i, p);
                s.started.add(p);
            }
        } catch (RuntimeException | Error e) {
            s.stopAll();
            throw e;
        }
        return s;
    }

    /**
     * A server on a free port <i>below the ephemeral range</i>: a restart must get its port back, and a port
     * from the ephemeral range may meanwhile have become the local end of some outgoing connection on this
     * host (seen here: "Address already in use" when a fenced server was started again).
     */
    private PageServerProcess startOnFreePort(int index) {
        if (bed != null) {
            return PageServerProcess.startOn(bed, host(index), BED_PORT, store, token, args(index));
        }
        RuntimeException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePortBelowEphemeral();
            try {
                return PageServerProcess.start(store, token, port, args(index));
            } catch (RuntimeException e) {
                last = e;
                if (port == 0) {
                    break;
                }
            }
        }
        throw last;
    }

    private String[] args(int index) {
        List<String> a = new ArrayList<>(List.of(SERVER_ARGS));
        if (metricsPorts.length > 0) {
            a.addAll(List.of("--metrics-port", Integer.toString(metricsPorts[index])));
        }
        if (bed != null) {
            a.addAll(List.of("--fence-command", bed.fenceCommand()));
        }
        return a.toArray(String[]::new);
    }

    /** The bed the servers run on, or null when they run on this host. */
    public NetnsBed bed() {
        return bed;
    }

    /** The bed host of server {@code index}. */
    public String host(int index) {
        return index == 0 ? HOST_A : HOST_B;
    }

    /** Where server {@code index} serves its meters (Prometheus text format), if it does. */
    public Optional<String> metricsUrl(int index) {
        return metricsPorts.length == 0 ? Optional.empty()
                : Optional.of("http://" + (bed != null ? bed.address(host(index)) : "127.0.0.1") + ":" + metricsPorts[index]
                        + "/metrics");
    }

    /** {@code page server metrics: URL (primary), URL (secondary)}, if they serve metrics. */
    public Optional<String> metricsLine() {
        return metricsUrl(0).map(a -> "page server metrics: " + a + " (primary), " + metricsUrl(1).orElseThrow()
                + " (secondary)");
    }

    /** A free port for a server's metrics, below the ephemeral range if it can (see {@link #startOnFreePort}). */
    private static int metricsPort() {
        int port = freePortBelowEphemeral();
        if (port != 0) {
            return port;
        }
        try (ServerSocket any = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return any.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port for a page server's metrics", e);
        }
    }

    /** A port that nobody listens on, below the first ephemeral port; 0 (any) if the range is unknown. */
    static int freePortBelowEphemeral() {
        int low;
        try {
            // readAllLines: readString of this /proc file gave only its first byte here
            low = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        int from = Math.max(1024, low - 12_000);
        if (low - from < 1000) {
            return 0;
        }
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(from, low);
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(false);
                probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        return 0;
    }

    public PageServerProcess get(int index) {
        return slots.get(index);
    }

    public InetSocketAddress address(int index) {
        return slots.get(index).address();
    }

    /** The name the pager's meters give server {@code index}: {@code host:port}. */
    public String key(int index) {
        InetSocketAddress a = address(index);
        return a.getHostString() + ":" + a.getPort();
    }

    /** The server the client sends to now: 0, 1, or -1 while it has none (during a failover, or closed). */
    public int serving(MeterRegistry registry) {
        for (int i = 0; i < 2; i++) {
            Gauge g = registry.find("hapager.pager.server.current").tag("server", key(i)).gauge();
            if (g != null && g.value() == 1) {
                return i;
            }
        }
        return -1;
    }

    /** {@code host:port} of the server the client sends to, or "none". */
    public String servingName(MeterRegistry registry) {
        int i = serving(registry);
        return i < 0 ? "none" : key(i);
    }

    /**
     * Starts server {@code index} again on its port (it must have exited); returns the new process. Tries
     * three times, a second apart, in case the port is not free yet.
     */
    public PageServerProcess restart(int index) throws InterruptedException {
        PageServerProcess old = slots.get(index);
        PageServerProcess again = null;
        for (int attempt = 1; again == null; attempt++) {
            if (stopped) {
                throw new IllegalStateException("the page servers are being stopped");
            }
            try {
                again = bed != null ? PageServerProcess.startOn(bed, host(index), old.port(), store, token, args(index))
                        : PageServerProcess.start(store, token, old.port(), args(index));
            } catch (RuntimeException e) {
                if (attempt == 3) {
                    throw e;
                }
                TimeUnit.SECONDS.sleep(1);
            }
        }
        slots.set(index, again);
        started.add(again);
        if (stopped) { // stopAll ran meanwhile
            again.close();
        }
        return again;
    }

    /**
     * Stops both servers: SIGCONT first (a frozen one would never exit), then SIGTERM with a short wait
     * (they drain and flush), then SIGKILL. Idempotent.
     */
    public void stopAll() {
        stopped = true;
        for (int i = 0; i < slots.length(); i++) {
            PageServerProcess p = slots.get(i);
            if (p == null || !p.isAlive()) {
                continue;
            }
            try {
                p.sigcont();
                p.sigterm(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                // not exited in time, or already gone: make sure
            } finally {
                p.close();
            }
        }
    }

    /** What every server started printed (stdout and stderr), each under a header line with its pid. */
    public String logs() {
        StringBuilder sb = new StringBuilder();
        for (PageServerProcess p : started) {
            sb.append("---- page server pid ").append(p.pid()).append(' ').append(p.address()).append('\n')
                    .append(p.output());
        }
        return sb.toString();
    }

    @Override
    public void close() {
        stopAll();
    }
}
