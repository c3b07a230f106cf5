package org.hapager.server;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hapager.server.metrics.MetricsEndpoint;
import org.hapager.server.metrics.ServerMetrics;
import org.hapager.server.reservation.GuardedStore;
import org.hapager.server.reservation.Holder;
import org.hapager.server.reservation.Reservation;
import org.hapager.server.session.SessionServer;
import org.hapager.server.session.SessionSettings;
import org.hapager.server.session.BufferBudget;
import org.hapager.server.session.Sessions;
import org.hapager.server.store.StorageFailure;
import org.hapager.server.store.VolumeStore;
import org.hapager.server.store.StoreWarmup;
import org.hapager.wire.HandshakeProof;
import org.hapager.wire.Protocol;
import org.hapager.wire.TokenFile;
import org.hapager.wire.WireLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running page server: the volume store, the reservation guarding it, the session server and the optional
 * metrics endpoint. Every storage request goes through the {@link Reservation}: the server starts PASSIVE and
 * takes the reservation of the data directory at the first storage request.
 *
 * <p>Lifecycle: {@link #start} → RUNNING → {@link #stop} (drain) → STOPPED. {@code stop} closes the
 * listening socket, sends DRAINING to every session, waits (up to the drain timeout) until every accepted
 * request has completed, flushes the group commit, then closes connections and store, releases the
 * reservation and closes the endpoint. It is
 * called once, by the thread that owns the server ({@link PageServerMain}'s main thread, or a test).
 *
 * <h2>Fenced</h2>
 * RUNNING → FENCED when a force of the store fails ({@link StorageFailure}): Linux may have dropped the data of
 * the failed writeback, so this server can no longer vouch for any write it has not acknowledged yet. On the
 * failing thread, before any request that depended on the force completes, it logs one ERROR line naming the
 * volume, the file and the exception, and {@link Sessions#fence fences} the sessions: no completion is sent any
 * more (not even a failure, which the caller would see) and every connection is closed, so the clients reissue
 * everything unacknowledged to the secondary. {@link #fenced()} completes; the owner then calls
 * {@link #closeFenced()} and ends the process ({@link PageServerMain} exits with
 * {@link PageServerMain#FENCED_EXIT_CODE}). A fenced server never releases the reservation itself: operations may
 * still be running on its I/O threads, so the lock goes with the process (or the taker fences it), and no write of
 * this server can land after the taker's first.
 */
public final class PageServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PageServer.class);

    private final ServerConfig config;
    private final VolumeStore store;
    private final Reservation reservation;
    private final SessionServer sessions;
    private final MetricsEndpoint metricsEndpoint;
    private final String serverId;
    /** Completes with the reason when the store failed a flush and this server fenced itself. */
    private final CompletableFuture<String> fenced;
    private boolean stopped;

    private PageServer(ServerConfig config, VolumeStore store, Reservation reservation, SessionServer sessions,
                       MetricsEndpoint metricsEndpoint, String serverId, CompletableFuture<String> fenced) {
        this.config = config;
        this.fenced = fenced;
        this.store = store;
        this.reservation = reservation;
        this.sessions = sessions;
        this.metricsEndpoint = metricsEndpoint;
        this.serverId = serverId;
    }

    /** Opens the store, reads (or creates) the client and peer tokens, binds the port and starts serving. */
    public static PageServer start(ServerConfig config) throws IOException, InterruptedException {
        byte[] token = TokenFile.readOrCreate(config.tokenFile());
        byte[] peerToken = TokenFile.readOrCreate(config.peerTokenFile());
        if (java.util.Arrays.equals(token, peerToken)) {
            log.warn("the peer token ({}) equals the client token ({}): every client can make this server yield the"
                    + " storage reservation; give the page servers a peer token of their own", config.peerTokenFile(),
                    config.tokenFile());
        }
        for (Path tokenFile : new Path[] {config.tokenFile(), config.peerTokenFile()}) {
            String exposure = TokenFile.exposure(tokenFile);
            if (exposure != null) {
                log.warn("{}", exposure);
            }
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ServerMetrics metrics = new ServerMetrics(registry);
        Sessions liveSessions = new Sessions(metrics,
                new BufferBudget(config.maxBufferBytes(), config.maxConnectionBufferBytes(),
                        config.stallTimeoutMillis(), System::nanoTime));
        CompletableFuture<String> fenced = new CompletableFuture<>();
        String[] id = new String[1];
        StorageFailure fence = (volume, file, cause) -> {
            String reason = "force of volume " + volume + " (file " + file + ") failed: " + cause;
            log.error("FENCED: page server {} stops serving: {}; a failed flush is final, so it acknowledges nothing"
                    + " more and closes every connection, and clients reissue to the secondary", id[0], reason);
            liveSessions.fence();
            fenced.complete(reason);
        };
        VolumeStore store = VolumeStore.open(config.dataDir(), WireLimits.DEFAULT, config.sizeLimits(), config.ioThreads(),
                config.inlinePageIo(), metrics, config.faults(), fence);
        MetricsEndpoint endpoint = null;
        SessionServer server = null;
        Reservation reservation = null;
        try {
            reservation = Reservation.open(config.dataDir(), GuardedStore.of(store), metrics, config.fenceCommand(),
                    config.fenceTimeoutMillis(), config.drainTimeoutMillis(), peerToken);
            Reservation guard = reservation;
            if (config.selfFence()) {
                liveSessions.onEveryClientLapsed(() -> guard.releaseOnItsOwn("the lease of its last client session lapsed:"
                        + " its clients are cut off or frozen"));
            }
            if (config.metricsPort() >= 0) {
                endpoint = MetricsEndpoint.start(new InetSocketAddress(config.bindAddress(), config.metricsPort()), registry);
                log.info("metrics at http://{}:{}/metrics", config.bindAddress(), endpoint.address().getPort());
            }
            long warmupMillis = StoreWarmup.run(config.warmupOperations());
            log.debug("page path warmed up with {} operations in {} ms", config.warmupOperations(), warmupMillis);
            HandshakeProof proof = new HandshakeProof(token);
            HandshakeProof peerProof = HandshakeProof.forPeers(peerToken);
            // Load the JCA providers and seed SecureRandom now, not in the first handshake: a secondary's first
            // session arrives in the middle of a failover, and this costs a cold JVM a few hundred milliseconds.
            proof.serverProof(Protocol.MAX_VERSION, HandshakeProof.newNonce(), HandshakeProof.newNonce());
            server = SessionServer.bind(new InetSocketAddress(config.bindAddress(), config.port()), bound -> {
                id[0] = config.serverId() != null ? config.serverId() : defaultServerId(bound);
                guard.identify(new Holder(reachableHost(bound), bound.getPort(), ProcessHandle.current().pid(), id[0]));
                return new SessionSettings(id[0], proof, peerProof, config.leaseMaxMillis(), config.maxInflight(),
                        config.handshakeTimeoutMillis(), config.maxUnauthenticated(), WireLimits.DEFAULT, config.faults());
            }, guard::newConnectionGate, guard::yieldTo, liveSessions, config.eventLoopThreads());
            return new PageServer(config, store, reservation, server, endpoint, id[0], fenced);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (server != null) {
                server.close();
            }
            if (reservation != null) {
                reservation.close();
            }
            if (endpoint != null) {
                endpoint.close();
            }
            store.close(0);
            throw e;
        }
    }

    private static String defaultServerId(InetSocketAddress bound) {
        String host = bound.getAddress().isAnyLocalAddress() ? localHostName() : bound.getHostString();
        return host + ":" + bound.getPort();
    }

    /** Where a peer server connects to ask this one to yield: the bound address, or the host name if bound to any. */
    private static String reachableHost(InetSocketAddress bound) {
        return bound.getAddress().isAnyLocalAddress() ? localHostName() : bound.getAddress().getHostAddress();
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** The bound address (the real port, also when started with port 0). */
    public InetSocketAddress address() {
        return sessions.localAddress();
    }

    /** "epoll" or "nio". */
    public String transport() {
        return sessions.transport();
    }

    public String serverId() {
        return serverId;
    }

    /** The store, for a reservation takeover ({@link VolumeStore#forgetOpenFiles()}). */
    public VolumeStore store() {
        return store;
    }

    /** The metrics endpoint's address, or null if none was configured. */
    public InetSocketAddress metricsAddress() {
        return metricsEndpoint == null ? null : metricsEndpoint.address();
    }

    /** Completes with the reason once this server fenced itself after a failed flush; never completes otherwise. */
    public CompletableFuture<String> fenced() {
        return fenced;
    }

    /**
     * After {@link #fenced()}: closes the listening socket, every connection and the event loops, and the metrics
     * endpoint, without draining, flushing, closing the store or releasing the reservation (the process's exit
     * does that, after every running operation stopped). {@link #stop} does nothing afterwards.
     */
    public void closeFenced() {
        if (stopped) {
            return;
        }
        stopped = true;
        sessions.stopAccepting();
        sessions.sessions().fence();
        sessions.close();
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
        log.info("page server {} closed every connection after fencing itself; the reservation goes with the process",
                serverId);
    }

    /**
     * Drains and stops; returns true if every accepted request completed within the drain timeout.
     * Calling it again does nothing and returns true.
     */
    public boolean stop() throws InterruptedException {
        if (stopped) {
            return true;
        }
        if (fenced.isDone()) {
            closeFenced();
            return false;
        }
        stopped = true;
        long timeoutMillis = config.drainTimeoutMillis();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        sessions.stopAccepting();
        log.info("draining: {} sessions, {} requests in flight, drain timeout {} ms",
                sessions.sessions().size(), sessions.sessions().inflight(), timeoutMillis);
        boolean drained = sessions.drain("server " + serverId + " is stopping", timeoutMillis);
        if (!drained) {
            log.error("drain timed out after {} ms with {} requests still in flight; their completions are lost "
                    + "and clients will reissue them", timeoutMillis, sessions.sessions().inflight());
        }
        long leftMillis = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        try {
            store.flush().get(Math.max(leftMillis, 1000), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.error("flushing the group commit failed: {}", e.toString());
            drained = false;
        }
        sessions.close();
        drained &= store.close(Math.max(leftMillis, 1000));
        if (fenced.isDone()) {
            // fenced while draining: an operation may still run, so the lock goes with the process
            log.error("page server {} fenced itself while stopping; the reservation is released by the process's exit",
                    serverId);
            drained = false;
        } else {
            try {
                reservation.close();
            } catch (IOException e) {
                log.error("releasing the reservation of {} failed: {}", config.dataDir(), e.toString());
            }
        }
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
        log.info("page server stopped");
        return drained;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
