package org.hapager.server;

import java.nio.file.Path;

/**
 * Everything a page server is started with (see {@link PageServerMain} for the command-line options).
 *
 * @param dataDir                the shared data directory
 * @param bindAddress            address to listen on
 * @param port                   port to listen on; 0 picks a free one
 * @param tokenFile              the shared secret, created (mode 0600) if missing
 * @param metricsPort            Prometheus endpoint port, or -1 for none
 * @param maxInflight            requests in flight per connection
 * @param ioThreads              storage I/O threads (namespace operations, and page I/O unless inline)
 * @param inlinePageIo           page reads and writes run on the network threads (see {@link PageServerMain})
 * @param eventLoopThreads       Netty threads running the connections
 * @param leaseMaxMillis         longest lease granted
 * @param handshakeTimeoutMillis time allowed from connect to authentication
 * @param drainTimeoutMillis     how long a stop waits for accepted requests
 * @param serverId               name announced to clients, or null for host:port
 */
public record ServerConfig(Path dataDir, String bindAddress, int port, Path tokenFile, int metricsPort,
                           int maxInflight, int ioThreads, boolean inlinePageIo, int eventLoopThreads, int leaseMaxMillis,
                           int handshakeTimeoutMillis, long drainTimeoutMillis, String serverId) {
}
