package org.hapager.derby;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import org.hapager.pager.PagerConfig;
import org.hapager.wire.WireLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one hapager cluster (a pair of page servers sharing storage) is reached and cached by the Derby
 * storage factory. Every database {@code jdbc:derby:hapager:CLUSTER/DB} of a cluster shares one pager
 * client and one buffer pool.
 *
 * <p>Settings come from {@link HapagerDerby#register} or from system properties, read when the cluster is
 * first used ({@code CLUSTER} is the first segment of the database name):
 * <table>
 *   <caption>System properties of cluster {@code C}</caption>
 *   <tr><th>property</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code hapager.derby.C.servers}</td><td>(required)</td><td>{@code host:port,host:port}, primary first</td></tr>
 *   <tr><td>{@code hapager.derby.C.tokenFile}</td><td>(required)</td><td>the servers' shared secret (see the page server's {@code --token-file})</td></tr>
 *   <tr><td>{@code hapager.derby.C.poolBytes}</td><td>64 MiB</td><td>buffer pool budget, off-heap</td></tr>
 *   <tr><td>{@code hapager.derby.C.pageSize}</td><td>4096</td><td>pool page size (Derby's pages are multiples of 4 KiB)</td></tr>
 *   <tr><td>{@code hapager.derby.C.lease}</td><td>PT1S</td><td>the pager's lease on its server (failover detection)</td></tr>
 *   <tr><td>{@code hapager.derby.C.failoverDeadline}</td><td>PT30S</td><td>how long requests wait for a server before failing</td></tr>
 *   <tr><td>{@code hapager.derby.C.lockExpiry}</td><td>PT10S</td><td>expiry of the database lock ({@code dbex.lck}): how long it stays valid without a renewal; a crashed JVM's lock frees after it; a renewal stalled past it suspends the database's writes until the lock resumes or is fenced. Its old name {@code lockLease} is still read, with a WARN; {@code lockExpiry} wins when both are set</td></tr>
 *   <tr><td>{@code hapager.derby.C.writeSync}</td><td>true</td><td>Derby preallocates each log file and writes the log through (each log write durable when it returns); {@code false}: Derby appends to a growing log and syncs it at commit (a write, a length change and a sync; see BENCHMARKS.md)</td></tr>
 *   <tr><td>{@code hapager.derby.C.idleClose}</td><td>PT30S</td><td>how long the cluster stays open with no database booted (and no other use by Derby): a boot within it reuses the open pager and pool; {@code PT0S} closes it as soon as Derby is done with it (after the 1 s linger that Derby's own shutdown needs)</td></tr>
 * </table>
 *
 * @param pager     the pager client's configuration
 * @param poolBytes buffer pool budget in bytes
 * @param pageSize  buffer pool page size
 * @param fixTimeout how long a page fix waits for a frame
 * @param lockExpiry expiry of the database lock: how long it stays valid without a renewal
 * @param idleClose how long the cluster stays open once no storage factory instance holds it (zero or more)
 * @param writeSync whether Derby writes its log through ({@code true}) or syncs it at commit
 * @param meterRegistry where the pool's meters go (the pager's are in {@code pager.meterRegistry()})
 */
public record ClusterSettings(PagerConfig pager, long poolBytes, int pageSize, Duration fixTimeout, Duration lockExpiry,
                              Duration idleClose, boolean writeSync, MeterRegistry meterRegistry) {

    public static final long DEFAULT_POOL_BYTES = 64L << 20;
    public static final Duration DEFAULT_LOCK_EXPIRY = Duration.ofSeconds(10);
    /**
     * How long an unused cluster stays open by default: long enough that an application that shuts a database
     * down and boots it again soon after (a restart, a test suite, a tool run per command) does not reconnect
     * to the page servers and refill the pool each time, short enough not to keep idle sessions for long.
     */
    public static final Duration DEFAULT_IDLE_CLOSE = Duration.ofSeconds(30);
    /** The name {@code lockExpiry} had before, still read (see {@link #fromProperties}). */
    static final String OLD_LOCK_EXPIRY_NAME = "lockLease";

    private static final Logger log = LoggerFactory.getLogger(ClusterSettings.class);

    public ClusterSettings {
        Objects.requireNonNull(pager, "pager");
        if (!WireLimits.isValidPageSize(pageSize)) {
            throw new IllegalArgumentException("pageSize : " + pageSize + " (expected: a power of two from "
                    + WireLimits.MIN_PAGE_SIZE + " to " + WireLimits.MAX_PAGE_SIZE + ")");
        }
        if (poolBytes < 16L * pageSize) {
            throw new IllegalArgumentException("poolBytes : " + poolBytes + " (expected: at least 16 pages, " + 16L * pageSize + ")");
        }
        Objects.requireNonNull(fixTimeout, "fixTimeout");
        Objects.requireNonNull(lockExpiry, "lockExpiry");
        if (lockExpiry.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("lockExpiry : " + lockExpiry + " (expected: at least 100 ms)");
        }
        Objects.requireNonNull(idleClose, "idleClose");
        if (idleClose.isNegative()) {
            throw new IllegalArgumentException("idleClose : " + idleClose + " (expected: >= 0)");
        }
        Objects.requireNonNull(meterRegistry, "meterRegistry");
    }

    /**
     * Defaults for everything but the pager: 64 MiB of 4 KiB pages, a 10 s lock expiry, a 30 s idle close, the
     * pager's meter registry.
     */
    public static ClusterSettings of(PagerConfig pager) {
        return new ClusterSettings(pager, DEFAULT_POOL_BYTES, WireLimits.DEFAULT_PAGE_SIZE, Duration.ofSeconds(60),
                DEFAULT_LOCK_EXPIRY, DEFAULT_IDLE_CLOSE, true, pager.meterRegistry());
    }

    public ClusterSettings withPool(long bytes, int size) {
        return new ClusterSettings(pager, bytes, size, fixTimeout, lockExpiry, idleClose, writeSync, meterRegistry);
    }

    /** With another {@link #lockExpiry()}: how long the database lock stays valid without a renewal. */
    public ClusterSettings withLockExpiry(Duration expiry) {
        return new ClusterSettings(pager, poolBytes, pageSize, fixTimeout, expiry, idleClose, writeSync, meterRegistry);
    }

    /** With another {@link #idleClose()}; {@link Duration#ZERO} closes an unused cluster as soon as Derby lets it. */
    public ClusterSettings withIdleClose(Duration idle) {
        return new ClusterSettings(pager, poolBytes, pageSize, fixTimeout, lockExpiry, idle, writeSync, meterRegistry);
    }

    /** With another {@link #writeSync()}: {@code false} makes Derby sync its log at commit instead of writing it through. */
    public ClusterSettings withWriteSync(boolean sync) {
        return new ClusterSettings(pager, poolBytes, pageSize, fixTimeout, lockExpiry, idleClose, sync, meterRegistry);
    }

    /**
     * Reads cluster {@code cluster}'s settings from {@code props} (normally {@link System#getProperties()}).
     *
     * @throws IOException naming the missing or malformed property
     */
    public static ClusterSettings fromProperties(String cluster, Properties props) throws IOException {
        String prefix = "hapager.derby." + cluster + ".";
        String servers = props.getProperty(prefix + "servers");
        String tokenFile = props.getProperty(prefix + "tokenFile");
        if (servers == null || tokenFile == null) {
            throw new IOException("hapager cluster '" + cluster + "' is not configured: call HapagerDerby.register(\""
                    + cluster + "\", settings) or set the system properties " + prefix + "servers=host:port,host:port and "
                    + prefix + "tokenFile=PATH");
        }
        try {
            PagerConfig pager = PagerConfig.builder()
                    .servers(parseServers(prefix + "servers", servers))
                    .tokenFile(Path.of(tokenFile))
                    .clientName("derby-" + cluster)
                    .lease(duration(props, prefix + "lease", Duration.ofSeconds(1)))
                    .failoverDeadline(duration(props, prefix + "failoverDeadline", Duration.ofSeconds(30)))
                    .meterRegistry(Metrics.globalRegistry)
                    .build();
            long poolBytes = Long.parseLong(props.getProperty(prefix + "poolBytes", Long.toString(DEFAULT_POOL_BYTES)));
            int pageSize = Integer.parseInt(props.getProperty(prefix + "pageSize", Integer.toString(WireLimits.DEFAULT_PAGE_SIZE)));
            return new ClusterSettings(pager, poolBytes, pageSize, Duration.ofSeconds(60),
                    lockExpiry(props, prefix),
                    duration(props, prefix + "idleClose", DEFAULT_IDLE_CLOSE),
                    bool(props, prefix + "writeSync", true), Metrics.globalRegistry);
        } catch (IllegalArgumentException e) { // NumberFormatException and bad values of the builders
            throw new IOException("hapager cluster '" + cluster + "': " + e.getMessage(), e);
        }
    }

    /**
     * {@code lockExpiry}, or its old name {@code lockLease} when only that is set, so that configurations
     * written before the rename keep working; either way a WARN names the new key. When both are set,
     * {@code lockExpiry} wins and {@code lockLease} is ignored (not even parsed).
     */
    private static Duration lockExpiry(Properties props, String prefix) {
        String key = prefix + "lockExpiry";
        String oldKey = prefix + OLD_LOCK_EXPIRY_NAME;
        if (props.getProperty(oldKey) == null) {
            return duration(props, key, DEFAULT_LOCK_EXPIRY);
        }
        if (props.getProperty(key) != null) {
            log.warn("{} is ignored: {}, its new name, is set too and is used", oldKey, key);
            return duration(props, key, DEFAULT_LOCK_EXPIRY);
        }
        log.warn("{} is the old name of {}: its value is used, but set {} instead", oldKey, key, key);
        return duration(props, oldKey, DEFAULT_LOCK_EXPIRY);
    }

    static List<InetSocketAddress> parseServers(String property, String value) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String part : value.split(",")) {
            String s = part.trim();
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new IllegalArgumentException(property + " : \"" + s + "\" (expected: host:port)");
            }
            int port = Integer.parseInt(s.substring(colon + 1));
            out.add(new InetSocketAddress(s.substring(0, colon), port));
        }
        return out;
    }

    private static boolean bool(Properties props, String key, boolean dflt) {
        String v = props.getProperty(key);
        if (v == null) {
            return dflt;
        }
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(key + " : \"" + v + "\" (expected: true or false)");
        }
        return Boolean.parseBoolean(v);
    }

    private static Duration duration(Properties props, String key, Duration dflt) {
        String v = props.getProperty(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Duration.parse(v);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(key + " : \"" + v + "\" (expected: an ISO-8601 duration such as PT1S)");
        }
    }
}
