/**
 * Buffer-pool benchmarks (issue 5). {@link org.hapager.bench.HitRatioBench} replays a seeded trace
 * ({@link org.hapager.bench.trace}) through the real {@code BufferPool} and through reference policies
 * ({@link org.hapager.bench.sim}) and writes JSON; {@link org.hapager.bench.fix} holds the JMH fix/unfix
 * micro-benchmarks. Both run the pool over {@link org.hapager.bufferpool.MemoryPageIo}, so no page server is
 * involved and a miss costs only the pool's own bookkeeping. Everything runs from {@code target/benchmarks.jar};
 * nothing here runs during {@code mvn verify} except the unit tests.
 */
package org.hapager.bench;
