/**
 * The TPC-C driver: {@link org.hapager.workload.tpcc.driver.TpccRun} (terminals over a duration, no think
 * times), per-second {@link org.hapager.workload.tpcc.driver.Snapshot}s, and the
 * {@link org.hapager.workload.tpcc.driver.TpccResult} with its JSON form.
 */
package org.hapager.workload.tpcc.driver;
