/**
 * The client's meters: one {@link org.hapager.pager.metrics.PagerMetrics} per client, fed by the callback records
 * ({@code record}), the failover controller ({@code failover}) and the client itself.
 *
 * <p>Internal to the pager, like {@code record}, {@code session} and {@code failover}: what users rely on is the
 * meters' names and tags, listed in docs/METRICS.md, not this class. A client registers them in the
 * {@code MeterRegistry} its {@link org.hapager.pager.PagerConfig} names.
 */
package org.hapager.pager.metrics;
