package org.hapager.server;

import java.nio.file.Path;
import org.hapager.server.fault.FaultPoints;
import org.hapager.server.reservation.FenceCommand;
import org.hapager.server.store.SizeLimits;

/**
 * Everything a page server is started with (see {@link PageServerMain} for the command-line options).
 *
 * @param dataDir                the shared data directory
 * @param bindAddress            address to listen on
 * @param port                   port to listen on; 0 picks a free one
 * @param tokenFile              the client token: a connection proving it may read and write every volume;
 *                               created (mode 0600) if missing
 * @param peerTokenFile          the peer token: a connection proving it is a page server, which may also make
 *                               this one yield the storage reservation; created (mode 0600) if missing
 * @param metricsPort            Prometheus endpoint port, or -1 for none
 * @param maxInflight            requests in flight per connection
 * @param ioThreads              storage I/O threads (namespace operations, and page I/O unless inline)
 * @param inlinePageIo           page reads and writes run on the network threads (see {@link PageServerMain})
 * @param eventLoopThreads       Netty threads running the connections
 * @param leaseMaxMillis         longest lease granted
 * @param handshakeTimeoutMillis time allowed from connect to authentication
 * @param maxUnauthenticated     connections awaiting authentication at once; one more is closed on arrival
 * @param drainTimeoutMillis     how long a stop waits for accepted requests
 * @param warmupOperations       page writes and reads run on a scratch store before the server is ready (0: none)
 * @param serverId               name announced to clients, or null for host:port
 * @param fenceTimeoutMillis     how long a taker waits for the holder's YIELDED, for the fencing command, and for
 *                               the lock after fencing (see {@link org.hapager.server.reservation.Reservation})
 * @param fenceCommand           run against a holder that did not yield
 * @param faults                 test fault points; {@link FaultPoints#NONE} unless a test switched them on
 * @param maxBufferBytes         payload all connections may hold (see {@link org.hapager.server.session.BufferBudget})
 * @param maxConnectionBufferBytes payload one connection may hold
 * @param stallTimeoutMillis     how long a connection's answers may go unread while others wait for the budget
 * @param sizeLimits             the largest volume and the largest sum of all volumes ({@link SizeLimits#NONE}: none)
 * @param selfFence              release the reservation on its own once every client session has lapsed (see
 *                               {@link org.hapager.server.reservation.Reservation#releaseOnItsOwn})
 */
public record ServerConfig(Path dataDir, String bindAddress, int port, Path tokenFile, Path peerTokenFile,
                           int metricsPort, int maxInflight, int ioThreads, boolean inlinePageIo, int eventLoopThreads,
                           int leaseMaxMillis, int handshakeTimeoutMillis, int maxUnauthenticated, long drainTimeoutMillis,
                           String serverId, long fenceTimeoutMillis, FenceCommand fenceCommand, FaultPoints faults,
                           int warmupOperations, long maxBufferBytes, long maxConnectionBufferBytes, long stallTimeoutMillis,
                           SizeLimits sizeLimits, boolean selfFence) {
}
