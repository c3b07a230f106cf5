/**
 * The hapager client: asynchronous page I/O against page servers.
 *
 * <p>{@link org.hapager.pager.PagerClient} is the public entry point; {@link org.hapager.pager.PagerConfig}
 * holds every setting. Sub-packages are internal, and no other module names them ({@code PagerBoundaryTest}):
 * {@code record} owns the callback records and their state machine, {@code session} the connections,
 * {@code failover} the choice of server, {@code metrics} the client's meters. All of the client's state lives
 * on one I/O thread; callers hand requests over through a queue and get a
 * {@link java.util.concurrent.CompletableFuture}.
 */
package org.hapager.pager;
