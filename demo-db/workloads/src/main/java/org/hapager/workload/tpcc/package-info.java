/**
 * TPC-C over any JDBC {@link javax.sql.DataSource}: what the subpackages share (the scale, the random
 * functions NURand, a-strings and the last-name syllables).
 *
 * <ul>
 *   <li>{@code schema}: the nine tables and their keys;</li>
 *   <li>{@code loader}: the initial population at a scale, with progress;</li>
 *   <li>{@code transactions}: New-Order, Payment, Order-Status, Delivery, Stock-Level, their inputs and the
 *       retry of deadlock victims;</li>
 *   <li>{@code checks}: consistency conditions 1-4 of clause 3.3.2;</li>
 *   <li>{@code driver}: the mix as a workload of the generic driver, {@code TpccRun} and its result.</li>
 * </ul>
 *
 * Nothing here knows about hapager: the demo runs it on Derby over hapager, the tests on Derby in memory.
 */
package org.hapager.workload.tpcc;
