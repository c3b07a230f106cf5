/**
 * Every benchmark of the project, each measured against a baseline in the same run (figures and commands in
 * BENCHMARKS.md):
 * <ul>
 *   <li>{@link org.hapager.bench.page}: page I/O through the client and a page server ({@code hapager bench}) and
 *       failover under load ({@code hapager failover-bench}), subcommands of the {@code hapager} command;</li>
 *   <li>{@link org.hapager.bench.HitRatioBench} replays a seeded trace ({@link org.hapager.bench.trace}) through
 *       the real {@code BufferPool} and through reference policies ({@link org.hapager.bench.sim});
 *       {@link org.hapager.bench.fix} holds the JMH fix/unfix micro-benchmarks; both run the pool over
 *       {@link org.hapager.bufferpool.MemoryPageIo}, so a miss costs only the pool's own bookkeeping;
 *       {@link org.hapager.bench.PagedMemoryBench} measures paged memory;</li>
 *   <li>{@link org.hapager.bench.derby}: Derby on hapager against Derby on its own disk (TPC-B-like load, commit
 *       latency, boot).</li>
 * </ul>
 * All but the two {@code hapager} subcommands run from {@code target/benchmarks.jar}; nothing here runs during
 * {@code mvn verify} except the unit tests.
 */
package org.hapager.bench;
