package org.hapager.workload.driver;

import java.util.List;

/**
 * A database workload the {@link Driver} can run: named transaction types and, per client thread, a
 * {@link WorkloadClient} that picks and runs them. TPC-C and pgbench-style scripts implement it.
 *
 * <p>Implementations are immutable and thread-safe; {@link #client} is called once per client thread before
 * the run starts.
 */
public interface Workload {

    /** Short lower-case name for results and metrics: {@code tpcc}, {@code tpcb}, {@code script}. */
    String name();

    /** The transaction types' names, in the order results list them; {@link WorkloadClient#nextType()} indexes this. */
    List<String> types();

    /**
     * The index of the type whose commits per minute are the run's headline rate (TPC-C: New-Order, tpmC),
     * or -1 when only transactions per second matter.
     */
    default int perMinuteType() {
        return -1;
    }

    /**
     * The workload of client thread {@code index} (0-based), its randomness from {@code seed}: the same seed
     * and index give the same sequence of inputs.
     */
    WorkloadClient client(int index, long seed);
}
