/**
 * JMH micro-benchmarks of the buffer pool's fix/unfix path over in-memory page I/O, with lock and map
 * baselines measured in the same run. Run from {@code target/benchmarks.jar} (main {@code org.openjdk.jmh.Main}).
 */
package org.hapager.bench.fix;
