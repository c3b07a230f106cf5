/**
 * Runs any {@link org.hapager.workload.driver.Workload} on a JDBC DataSource: client threads over a duration
 * with no think times ({@link org.hapager.workload.driver.Driver}), a
 * {@link org.hapager.workload.driver.Snapshot} every interval, and the
 * {@link org.hapager.workload.driver.DriverResult}. TPC-C and pgbench-style scripts are workloads.
 */
package org.hapager.workload.driver;
