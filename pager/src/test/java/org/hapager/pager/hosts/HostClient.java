package org.hapager.pager.hosts;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hapager.pager.PagerClient;
import org.hapager.pager.PagerConfig;
import org.hapager.pager.Volume;

/**
 * A page client in its own JVM, run on a host of a {@link org.hapager.server.process.NetnsBed} by the partition
 * tests. Threads pipeline durable writes of random bytes to their own pages for a while, each write timed from
 * submit to completion; then every page is read back and compared with the bytes last acknowledged for it.
 *
 * <p>Arguments: {@code SERVERS TOKEN-FILE VOLUME SECONDS LEASE-MS SEED}, SERVERS as {@code host:port,host:port}.
 * Prints {@code CLIENT READY}, a {@code CLIENT PROGRESS writes=N server=ADDR longest-ms=N} line every 200 ms (the
 * longest write completed since the previous line), and at the end
 * {@code CLIENT RESULT writes=N failures=N stale=N max-write-ms=N failovers=N server=ADDR}; the first failure's
 * text follows as {@code CLIENT FAILURE ...}. Exits 0 only if nothing failed and nothing was stale.
 */
public final class HostClient {

    private static final int THREADS = 2;
    private static final int PAGES_PER_THREAD = 32;
    private static final int WINDOW = 8;

    public static void main(String[] args) throws Exception {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String server : args[0].split(",")) {
            int colon = server.lastIndexOf(':');
            servers.add(new InetSocketAddress(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1))));
        }
        Path token = Path.of(args[1]);
        Volume volume = Volume.of(args[2]);
        long runNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[3]));
        Duration lease = Duration.ofMillis(Long.parseLong(args[4]));
        long seed = Long.parseLong(args[5]);
        // One handshake with each server first, under a generous lease: the first handshake of a fresh JVM loads
        // and initialises its classes and crypto on both sides, and under the scenario's 500 ms lease that can
        // make the client give up a healthy primary before the scenario starts. The scenarios are about
        // partitions, not cold starts; a bare connection takes no reservation.
        for (InetSocketAddress server : servers) {
            PagerClient.connect(PagerConfig.builder().servers(server).tokenFile(token).lease(Duration.ofSeconds(5))
                    .connectTimeout(Duration.ofSeconds(5)).build()).close();
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (PagerClient client = PagerClient.connect(PagerConfig.builder().servers(servers).tokenFile(token).lease(lease)
                .failoverDeadline(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(5)).meterRegistry(meters).build())) {
            client.create(volume.name(), false).orTimeout(30, TimeUnit.SECONDS).join();
            System.out.println("CLIENT READY server=" + client.currentServer());
            AtomicLong writes = new AtomicLong();
            AtomicLong failures = new AtomicLong();
            AtomicLong maxWriteNanos = new AtomicLong();
            AtomicLong windowMaxNanos = new AtomicLong();
            List<String> firstFailure = new ArrayList<>();
            byte[][] acknowledged = new byte[THREADS * PAGES_PER_THREAD][];
            long[] acknowledgedSequence = new long[acknowledged.length];
            AtomicLong sequence = new AtomicLong();
            long end = System.nanoTime() + runNanos;
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int first = t * PAGES_PER_THREAD;
                Random random = new Random(seed + t);
                Thread writer = new Thread(() -> {
                    ArrayDeque<CompletableFuture<Void>> outstanding = new ArrayDeque<>();
                    while (System.nanoTime() < end || !outstanding.isEmpty()) {
                        if (System.nanoTime() < end && outstanding.size() < WINDOW) {
                            int page = first + random.nextInt(PAGES_PER_THREAD);
                            byte[] bytes = new byte[volume.pageSize()];
                            random.nextBytes(bytes);
                            long submitted = System.nanoTime();
                            long number = sequence.incrementAndGet();
                            outstanding.addLast(client.write(volume, page, ByteBuffer.wrap(bytes)).handle((r, e) -> {
                                long took = System.nanoTime() - submitted;
                                maxWriteNanos.accumulateAndGet(took, Math::max);
                                windowMaxNanos.accumulateAndGet(took, Math::max);
                                if (e != null) {
                                    failures.incrementAndGet();
                                    synchronized (firstFailure) {
                                        if (firstFailure.isEmpty()) {
                                            firstFailure.add("write of page " + page + ": " + e);
                                        }
                                    }
                                } else {
                                    writes.incrementAndGet();
                                    synchronized (acknowledged) { // the page must read back as its latest write
                                        if (number > acknowledgedSequence[page]) {
                                            acknowledgedSequence[page] = number;
                                            acknowledged[page] = bytes;
                                        }
                                    }
                                }
                                return null;
                            }));
                        } else {
                            outstanding.pollFirst().orTimeout(60, TimeUnit.SECONDS).join();
                        }
                    }
                }, "writer-" + t);
                writers.add(writer);
                writer.start();
            }
            while (writers.stream().anyMatch(Thread::isAlive)) {
                writers.get(0).join(200);
                System.out.println("CLIENT PROGRESS writes=" + writes.get() + " server=" + client.currentServer()
                        + " longest-ms=" + TimeUnit.NANOSECONDS.toMillis(windowMaxNanos.getAndSet(0)));
            }
            long stale = 0;
            for (int page = 0; page < acknowledged.length; page++) {
                if (acknowledged[page] != null) {
                    ByteBuffer data = client.read(volume, page, 1).orTimeout(30, TimeUnit.SECONDS).join().data();
                    byte[] actual = new byte[data.remaining()];
                    data.duplicate().get(actual);
                    if (!Arrays.equals(actual, acknowledged[page])) {
                        stale++;
                    }
                }
            }
            double failovers = meters.find("hapager.pager.failovers").counters().stream().mapToDouble(c -> c.count()).sum();
            System.out.println("CLIENT RESULT writes=" + writes.get() + " failures=" + failures.get() + " stale=" + stale
                    + " max-write-ms=" + TimeUnit.NANOSECONDS.toMillis(maxWriteNanos.get()) + " failovers=" + (long) failovers
                    + " server=" + client.currentServer());
            firstFailure.forEach(f -> System.out.println("CLIENT FAILURE " + f));
            System.out.flush();
            System.exit(failures.get() == 0 && stale == 0 ? 0 : 1);
        }
    }
}
