/**
 * {@code hapager chaos}: a workload command's workload (TPC-B-like or TPC-C) on Derby on hapager while an
 * embedded pair of page servers is hurt at random (kill -9, SIGSTOP, both down, restart under load) on a
 * schedule drawn up front from a seed; then the workload's checks and a ledger of acknowledged commits,
 * once in this JVM and once more in a fresh JVM that boots the database again on the same servers.
 *
 * <p>Threads: the command's thread runs the workload and the checks; {@link org.hapager.cli.chaos.ChaosInjector}
 * hurts the servers on a thread of its own; a shutdown hook handles Ctrl-C.
 */
package org.hapager.cli.chaos;
