package org.hapager.bench.fix;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU time of the benchmark threads per operation ({@code cpu.time.norm}, ns/op), for a machine shared with
 * other work: wall-clock time per operation counts the time a benchmark thread waits for a core, thread CPU
 * time does not. It is the CPU the JMH worker threads used during the iteration (from {@link ThreadMXBean})
 * divided by every operation they ran in it, the warm-down of synchronized iterations included (that is
 * what JMH's {@code gc.alloc.rate.norm} divides by too). It leaves out GC and JIT threads, and time spent
 * parked (a thread waiting for a lock or a pin uses no CPU). With two threads it is the CPU of both per
 * operation, so for work that does not contend it matches the per-thread wall time.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar FixUnfixBenchmark -prof org.hapager.bench.fix.ThreadCpuProfiler</pre>
 */
public final class ThreadCpuProfiler implements InternalProfiler {

    private static final String WORKER = "jmh-worker";

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    /** CPU nanoseconds of each thread at the start of the iteration, by thread id. */
    private final Map<Long, Long> cpuAtStart = new HashMap<>();

    public ThreadCpuProfiler() {
        if (!threads.isThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot measure thread CPU time");
        }
        threads.setThreadCpuTimeEnabled(true);
    }

    @Override
    public String getDescription() {
        return "CPU time of the JMH worker threads per operation (ns/op)";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        cpuAtStart.clear();
        for (Thread t : workers()) {
            cpuAtStart.put(t.getId(), threads.getThreadCpuTime(t.getId()));
        }
    }

    @Override
    @SuppressWarnings("rawtypes") // JMH's InternalProfiler declares the raw Result
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                       IterationResult result) {
        long cpuNanos = 0;
        for (Thread t : workers()) {
            long now = threads.getThreadCpuTime(t.getId());
            if (now >= 0) {
                cpuNanos += now - cpuAtStart.getOrDefault(t.getId(), 0L); // a worker started in this iteration: all its CPU
            }
        }
        long ops = result.getMetadata().getAllOps();
        if (ops <= 0) {
            return List.of();
        }
        return List.of(new ScalarResult("cpu.time.norm", (double) cpuNanos / ops, "ns/op", AggregationPolicy.AVG));
    }

    private static List<Thread> workers() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().contains(WORKER)).toList();
    }
}
