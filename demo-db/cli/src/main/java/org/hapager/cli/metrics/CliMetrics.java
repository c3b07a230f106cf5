package org.hapager.cli.metrics;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import org.hapager.server.metrics.MetricsEndpoint;

/**
 * The meter registry one CLI command records into, and with a metrics port its Prometheus endpoint at
 * {@code http://127.0.0.1:N/metrics}.
 *
 * <p>With a port the registry is a {@link PrometheusMeterRegistry} served by the page server's
 * {@link MetricsEndpoint}; without one it is a cumulative {@link SimpleMeterRegistry} that the command reads
 * its report from. Either way it carries the common tag {@code application=hapager} and the JVM and process
 * meters (memory, GC, threads, class loading, CPU, uptime); hapager's own meters come from whatever the
 * command builds on {@link #registry()} (pager, buffer pool, Derby lock, workload), HikariCP's from
 * {@link #track(HikariConfig)}. See docs/METRICS.md for the list.
 *
 * <p>Open it before the things that record into it and close it after them (try-with-resources around the
 * command's work): closing stops the endpoint, which frees the port at once, and closes the registry.
 */
public final class CliMetrics implements AutoCloseable {

    /** The address the endpoint binds: metrics of a local demo are for local eyes and a local Prometheus. */
    public static final String HOST = "127.0.0.1";
    /** The application tag's value on every meter. */
    public static final String APPLICATION = "hapager";

    private final MeterRegistry registry;
    private final JvmGcMetrics gcMetrics;
    private final MetricsEndpoint endpoint;
    private boolean closed;

    private CliMetrics(MeterRegistry registry, JvmGcMetrics gcMetrics, MetricsEndpoint endpoint) {
        this.registry = registry;
        this.gcMetrics = gcMetrics;
        this.endpoint = endpoint;
    }

    /**
     * A registry for one command; with {@code port} not null, also serves it at
     * {@code http://127.0.0.1:port/metrics} (port 0: any free port, see {@link #url()}).
     *
     * @throws IllegalArgumentException if {@code port} is outside 0 to 65535
     * @throws IOException              if the port cannot be bound; the message names {@code 127.0.0.1:port}
     */
    public static CliMetrics open(Integer port) throws IOException {
        if (port != null && (port < 0 || port > 65535)) {
            throw new IllegalArgumentException("metrics port " + port + " (expected: 0 to 65535)");
        }
        MeterRegistry registry = port == null ? new SimpleMeterRegistry() : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Before any meter exists: filters apply to the meters registered after them.
        registry.config().commonTags("application", APPLICATION);
        JvmGcMetrics gc = new JvmGcMetrics();
        try {
            new JvmMemoryMetrics().bindTo(registry);
            gc.bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ClassLoaderMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            new UptimeMetrics().bindTo(registry);
            MetricsEndpoint endpoint = null;
            if (port != null) {
                try {
                    endpoint = MetricsEndpoint.start(new InetSocketAddress(HOST, port), (PrometheusMeterRegistry) registry);
                } catch (IOException e) {
                    throw new IOException("cannot serve metrics on " + HOST + ":" + port + ": " + e.getMessage(), e);
                }
            }
            return new CliMetrics(registry, gc, endpoint);
        } catch (IOException | RuntimeException | Error e) {
            gc.close();
            registry.close();
            throw e;
        }
    }

    /** Where the command's meters go; thread-safe, like every Micrometer registry. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The bound endpoint address (the real port when 0 was asked for); empty without a metrics port. */
    public Optional<InetSocketAddress> address() {
        return Optional.ofNullable(endpoint).map(MetricsEndpoint::address);
    }

    /** {@code http://127.0.0.1:N/metrics}; empty without a metrics port. */
    public Optional<URI> url() {
        return address().map(a -> URI.create("http://" + HOST + ":" + a.getPort() + "/metrics"));
    }

    /**
     * Reports a pool that is not built yet to this registry: HikariCP's Micrometer tracker
     * ({@code hikaricp_connections*}, tag {@code pool} = the pool name). Call it before
     * {@code new HikariDataSource(config)}: that constructor copies the configuration and starts the pool,
     * so a registry set on the configuration afterwards never reaches the pool.
     *
     * @return {@code config}, for chaining
     * @throws IllegalStateException if the configuration already reports to another registry or tracker factory
     */
    public HikariConfig track(HikariConfig config) {
        Objects.requireNonNull(config, "config");
        checkUnclaimed(config, config.getPoolName());
        if (config.getMetricRegistry() == null) {
            config.setMetricRegistry(registry);
        }
        return config;
    }

    /**
     * Reports a pool to this registry, started or not. HikariCP 7.1.0 accepts a registry on a running
     * {@link HikariDataSource} once and then starts the tracker on the live pool (connections it created
     * before are missing from {@code hikaricp_connections_creation_seconds}); a lazy data source
     * ({@code new HikariDataSource()}) picks it up when its first {@code getConnection} builds the pool.
     *
     * @return {@code dataSource}, for chaining
     * @throws IllegalStateException if the pool already reports to another registry or tracker factory
     */
    public HikariDataSource track(HikariDataSource dataSource) {
        Objects.requireNonNull(dataSource, "dataSource");
        checkUnclaimed(dataSource, dataSource.getPoolName());
        if (dataSource.getMetricRegistry() == null) {
            dataSource.setMetricRegistry(registry);
        }
        return dataSource;
    }

    private void checkUnclaimed(HikariConfig config, String pool) {
        Object current = config.getMetricRegistry();
        if ((current != null && current != registry) || config.getMetricsTrackerFactory() != null) {
            throw new IllegalStateException("HikariCP pool " + pool + " already reports its metrics elsewhere ("
                    + (current != null ? current : config.getMetricsTrackerFactory()) + ")");
        }
    }

    /** Stops the endpoint (the port is free when this returns), unbinds the GC listener, closes the registry. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (endpoint != null) {
                endpoint.close();
            }
        } finally {
            gcMetrics.close();
            registry.close();
        }
    }
}
