/**
 * The CLI's meters: one registry per command, served in the Prometheus text format while a workload runs.
 *
 * <p><b>Lifecycle.</b> A command opens {@link org.hapager.cli.metrics.CliMetrics} first (with the port of its
 * metrics option, or null), builds everything that records on {@code registry()} (pager client, buffer pool,
 * Derby's storage, the HikariCP pool through {@code track(...)}, the workload driver), and closes them before
 * closing {@code CliMetrics}, in a try-with-resources. Components that go away remove their gauges (the pager,
 * the buffer pool, HikariCP's tracker); counters and timers stay until the registry is closed. Closing stops the
 * endpoint (the port is free again when {@code close()} returns), unbinds the GC notification listener and closes
 * the registry; it is idempotent.
 *
 * <p><b>Threads.</b> The endpoint answers on one daemon thread of its own, {@code metrics-http} (the JDK's HTTP
 * server, see {@code org.hapager.server.metrics.MetricsEndpoint}); a scrape reads every meter from that thread.
 * Meters are recorded from any thread: terminals, the pager's I/O thread, Derby's threads, HikariCP's housekeeper.
 * The JVM binders add no thread: {@code JvmGcMetrics} listens to GC notifications (JMX's thread), the others are
 * gauges read at scrape time. Without a port there is no endpoint and no thread; the command reads its report from
 * the cumulative {@code SimpleMeterRegistry}.
 *
 * <p><b>HikariCP.</b> In HikariCP 7.1.0 {@code new HikariDataSource(config)} copies the configuration and starts
 * the pool, so a registry must be on the {@code HikariConfig} before that constructor; on a
 * {@code HikariDataSource} (lazy or running) it may be set once, and a running pool starts its tracker then. The
 * tracker is closed, and its meters removed, when the pool closes.
 */
package org.hapager.cli.metrics;
