/**
 * TPC-C on the generic driver: the mix as a {@link org.hapager.workload.driver.Workload}
 * ({@link org.hapager.workload.tpcc.driver.TpccWorkload}), {@link org.hapager.workload.tpcc.driver.TpccRun}
 * (the run, then consistency conditions 1-4) and its {@link org.hapager.workload.tpcc.driver.TpccResult}.
 */
package org.hapager.workload.tpcc.driver;
