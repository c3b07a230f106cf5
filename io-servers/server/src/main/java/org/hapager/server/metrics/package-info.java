/**
 * The server's meters and their Prometheus endpoint.
 *
 * <p>{@link org.hapager.server.metrics.ServerMetrics} names every meter the server records, so the names
 * live in one place; any thread may record. {@link org.hapager.server.metrics.MetricsEndpoint} serves the
 * Prometheus text format from the JDK's HTTP server on its own single thread.
 */
package org.hapager.server.metrics;
