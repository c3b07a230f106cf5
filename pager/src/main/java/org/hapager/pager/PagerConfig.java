package org.hapager.pager;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.hapager.wire.Protocol;
import org.hapager.wire.TokenFile;
import org.hapager.wire.WireLimits;

/**
 * Everything a {@link PagerClient} is configured with, in one place. Build it with {@link #builder()};
 * every setting has a documented default.
 */
public final class PagerConfig {

    private final List<InetSocketAddress> servers;
    private final byte[] token;
    private final String clientName;
    private final int maxInflight;
    private final Duration submitTimeout;
    private final Duration connectTimeout;
    private final Duration lease;
    private final Duration heartbeatInterval;
    private final Duration failoverDeadline;
    private final WireLimits limits;
    private final MeterRegistry meterRegistry;
    private final long maxUnsyncedBytes;

    private PagerConfig(Builder b) {
        if (b.servers.isEmpty()) {
            throw new IllegalArgumentException("servers : none (expected: at least one page server address)");
        }
        this.servers = List.copyOf(b.servers);
        this.token = Objects.requireNonNull(b.token, "token (set token(...) or tokenFile(...))").clone();
        this.clientName = b.clientName;
        this.maxInflight = positive(b.maxInflight, "maxInflight");
        this.submitTimeout = nonNegative(b.submitTimeout, "submitTimeout");
        this.connectTimeout = positive(b.connectTimeout, "connectTimeout");
        this.lease = positive(b.lease, "lease");
        this.heartbeatInterval = b.heartbeatInterval != null ? positive(b.heartbeatInterval, "heartbeatInterval")
                : lease.dividedBy(4);
        if (heartbeatInterval.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("heartbeatInterval : " + heartbeatInterval + " (expected: < lease " + lease + ")");
        }
        this.failoverDeadline = positive(b.failoverDeadline, "failoverDeadline");
        this.limits = b.limits;
        this.meterRegistry = b.meterRegistry;
        if (b.maxUnsyncedBytes < 0) {
            throw new IllegalArgumentException("maxUnsyncedBytes : " + b.maxUnsyncedBytes + " (expected: >= 0)");
        }
        this.maxUnsyncedBytes = b.maxUnsyncedBytes;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Page servers in order of preference: the first is the primary, the next ones take over in turn. All
     * of them serve the same shared storage.
     */
    public List<InetSocketAddress> servers() {
        return servers;
    }

    /** The shared token the handshake proves knowledge of. */
    public byte[] token() {
        return token.clone();
    }

    /** A name for this client in the servers' logs. */
    public String clientName() {
        return clientName;
    }

    /** Most requests in flight (submitted and not yet completed) at once. */
    public int maxInflight() {
        return maxInflight;
    }

    /** How long a submit waits for room when {@link #maxInflight()} requests are in flight; 0 fails at once. */
    public Duration submitTimeout() {
        return submitTimeout;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Lease asked of the server: it holds every reference to this client's records under it. */
    public Duration lease() {
        return lease;
    }

    /** How often the client renews the lease. */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /**
     * How long a request waits while no server is serving (all lost or unreachable) before it fails with
     * {@link PageIoException.Kind#UNAVAILABLE}.
     */
    public Duration failoverDeadline() {
        return failoverDeadline;
    }

    public WireLimits limits() {
        return limits;
    }

    /**
     * Most bytes of acknowledged buffered writes ({@link PagerClient#writeBuffered}) the client keeps copies of
     * until a barrier makes them durable; past it, buffered writes are sent durable. 0: every write is durable.
     */
    public long maxUnsyncedBytes() {
        return maxUnsyncedBytes;
    }

    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    public static final class Builder {
        private List<InetSocketAddress> servers = List.of();
        private byte[] token;
        private long maxUnsyncedBytes = 64L << 20;
        private String clientName = "pager-" + ProcessHandle.current().pid();
        private int maxInflight = 256;
        private Duration submitTimeout = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration lease = Duration.ofSeconds(1);
        private Duration heartbeatInterval;
        private Duration failoverDeadline = Duration.ofSeconds(30);
        private WireLimits limits = WireLimits.DEFAULT;
        private MeterRegistry meterRegistry = new SimpleMeterRegistry();

        /** Page servers, primary first. Required. */
        public Builder servers(List<InetSocketAddress> servers) {
            this.servers = List.copyOf(servers);
            return this;
        }

        public Builder servers(InetSocketAddress... servers) {
            return servers(List.of(servers));
        }

        /** The shared token. Required (or {@link #tokenFile(Path)}). */
        public Builder token(byte[] token) {
            this.token = token.clone();
            return this;
        }

        /** Reads the token from the file the servers use. */
        public Builder tokenFile(Path file) throws IOException {
            this.token = TokenFile.read(file);
            return this;
        }

        /** Default: {@code pager-<pid>}; at most {@value Protocol#MAX_CLIENT_NAME_BYTES} bytes in UTF-8 (it goes in HELLO). */
        public Builder clientName(String clientName) {
            int bytes = Objects.requireNonNull(clientName).getBytes(StandardCharsets.UTF_8).length;
            if (bytes > Protocol.MAX_CLIENT_NAME_BYTES) {
                throw new IllegalArgumentException("clientName : " + bytes + " bytes (expected: <= "
                        + Protocol.MAX_CLIENT_NAME_BYTES + ")");
            }
            this.clientName = clientName;
            return this;
        }

        /** Default 256. */
        public Builder maxInflight(int maxInflight) {
            this.maxInflight = maxInflight;
            return this;
        }

        /** Default 30 s. */
        public Builder submitTimeout(Duration submitTimeout) {
            this.submitTimeout = submitTimeout;
            return this;
        }

        /** Default 5 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** Default 1 s. */
        public Builder lease(Duration lease) {
            this.lease = lease;
            return this;
        }

        /** Default: a quarter of the lease. */
        public Builder heartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = heartbeatInterval;
            return this;
        }

        /** Default 30 s. */
        public Builder failoverDeadline(Duration failoverDeadline) {
            this.failoverDeadline = failoverDeadline;
            return this;
        }

        /** Default 64 MiB; 0 sends every buffered write durable. */
        public Builder maxUnsyncedBytes(long maxUnsyncedBytes) {
            this.maxUnsyncedBytes = maxUnsyncedBytes;
            return this;
        }

        /** Default {@link WireLimits#DEFAULT}; must match the servers'. */
        public Builder limits(WireLimits limits) {
            this.limits = Objects.requireNonNull(limits);
            return this;
        }

        /** Default: a private {@link SimpleMeterRegistry}. */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = Objects.requireNonNull(meterRegistry);
            return this;
        }

        public PagerConfig build() {
            return new PagerConfig(this);
        }
    }

    private static int positive(int v, String name) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " : " + v + " (expected: > 0)");
        }
        return v;
    }

    private static Duration positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " : " + d + " (expected: > 0)");
        }
        return d;
    }

    private static Duration nonNegative(Duration d, String name) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(name + " : " + d + " (expected: >= 0)");
        }
        return d;
    }
}
