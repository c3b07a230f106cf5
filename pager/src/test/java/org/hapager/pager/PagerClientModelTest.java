package org.hapager.pager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.hapager.server.process.PageServerProcess;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several threads pipeline random reads, writes, syncs and namespace operations through one client to a
 * real page server. Each thread owns a directory and keeps a model of it, updated when it submits: because
 * conflicting requests take effect in submission order, every future must match the model as it was at
 * submission, even though up to {@value #WINDOW} requests per thread are in flight at once.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@ExtendWith(SeedExtension.class)
class PagerClientModelTest {

    private static final int THREADS = 4;
    private static final int OPS_PER_THREAD = 1500;
    private static final int WINDOW = 32;
    private static final int[] PAGE_SIZES = {512, 1024, 4096, 8192};

    @TempDir
    Path dir;

    @Test
    void concurrentPipelinedOperationsMatchTheModel(Seed seed) throws Exception {
        Path token = dir.resolve("token");
        try (PageServerProcess server = PageServerProcess.start(Files.createDirectories(dir.resolve("data")), token);
             PagerClient client = PagerClient.connect(PagerConfig.builder().servers(server.address()).tokenFile(token)
                     .maxInflight(64).build())) {
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    long workerSeed = seed.value() + t;
                    int thread = t;
                    done.add(threads.submit(() -> {
                        new Worker(client, "t" + thread, PAGE_SIZES[thread % PAGE_SIZES.length], new Random(workerSeed)).run();
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(150, TimeUnit.SECONDS);
                }
            } catch (java.util.concurrent.ExecutionException e) {
                fail("a worker failed: " + e.getCause(), e.getCause());
            } finally {
                threads.shutdownNow();
            }
            client.checkInvariants();
            assertEquals(0, client.inflight());
        }
    }

    /** One thread's random operations over its own directory, with the model of that directory. */
    private static final class Worker {
        private final PagerClient client;
        private final String dirName;
        private final int pageSize;
        private final Random random;
        private final Map<String, byte[]> model = new TreeMap<>(); // volume name -> exact bytes
        private final ArrayDeque<Check<?>> window = new ArrayDeque<>();
        private int step;

        Worker(PagerClient client, String dirName, int pageSize, Random random) {
            this.client = client;
            this.dirName = dirName;
            this.pageSize = pageSize;
            this.random = random;
        }

        void run() {
            client.mkdirs(dirName).join();
            for (step = 0; step < OPS_PER_THREAD; step++) {
                submitRandom();
                while (window.size() >= WINDOW) {
                    window.pollFirst().verify();
                }
            }
            while (!window.isEmpty()) {
                window.pollFirst().verify();
            }
        }

        private void submitRandom() {
            String name = dirName + "/v" + random.nextInt(4);
            byte[] content = model.get(name);
            Volume volume = Volume.of(name, pageSize);
            int choice = random.nextInt(100);
            if (choice < 30) {
                long page = random.nextInt(12);
                int count = 1 + random.nextInt(4);
                byte[] pages = new byte[count * pageSize];
                random.nextBytes(pages);
                CompletableFuture<Long> f = client.write(volume, page, ByteBuffer.wrap(pages));
                if (content == null) {
                    expectFailure("write " + name, f, PageIoException.Kind.NOT_FOUND);
                } else {
                    long end = (page + count) * pageSize;
                    byte[] updated = Arrays.copyOf(content, (int) Math.max(content.length, end));
                    System.arraycopy(pages, 0, updated, (int) (page * pageSize), pages.length);
                    model.put(name, updated);
                    // the length is observed when the server wrote: writes to other pages may be in it or not
                    expect("write " + name, f, length -> assertTrue(length >= end, "length " + length + " < end of write " + end));
                }
            } else if (choice < 60) {
                long page = random.nextInt(14);
                int count = 1 + random.nextInt(4);
                CompletableFuture<PageRead> f = client.read(volume, page, count);
                if (content == null) {
                    expectFailure("read " + name, f, PageIoException.Kind.NOT_FOUND);
                } else {
                    byte[] expected = new byte[count * pageSize];
                    int from = (int) Math.min(content.length, page * pageSize);
                    int to = (int) Math.min(content.length, (page + count) * pageSize);
                    System.arraycopy(content, from, expected, 0, to - from);
                    expect("read " + name + " pages " + page + "+" + count, f, read -> {
                        byte[] actual = new byte[read.data().remaining()];
                        read.data().duplicate().get(actual);
                        if (!Arrays.equals(expected, actual)) {
                            fail("data differs from the model");
                        }
                    });
                }
            } else if (choice < 68) {
                CompletableFuture<Void> f = client.sync(name);
                if (content == null) {
                    expectFailure("sync " + name, f, PageIoException.Kind.NOT_FOUND);
                } else {
                    expect("sync " + name, f, v -> { });
                }
            } else if (choice < 78) {
                boolean exclusive = random.nextBoolean();
                CompletableFuture<Void> f = client.create(name, exclusive);
                if (content != null && exclusive) {
                    expectFailure("create " + name, f, PageIoException.Kind.ALREADY_EXISTS);
                } else {
                    model.putIfAbsent(name, new byte[0]);
                    expect("create " + name, f, v -> { });
                }
            } else if (choice < 83) {
                CompletableFuture<Void> f = client.delete(name);
                if (content == null) {
                    expectFailure("delete " + name, f, PageIoException.Kind.NOT_FOUND);
                } else {
                    model.remove(name);
                    expect("delete " + name, f, v -> { });
                }
            } else if (choice < 88) {
                String target = dirName + "/v" + random.nextInt(4);
                CompletableFuture<Void> f = client.rename(name, target, true);
                if (content == null) {
                    expectFailure("rename " + name, f, PageIoException.Kind.NOT_FOUND);
                } else {
                    model.remove(name);
                    model.put(target, content);
                    expect("rename " + name + " to " + target, f, v -> { });
                }
            } else if (choice < 93) {
                long length = random.nextInt(10 * pageSize + 1);
                CompletableFuture<Void> f = client.setLength(name, length);
                if (content == null) {
                    expectFailure("set length " + name, f, PageIoException.Kind.NOT_FOUND);
                } else {
                    model.put(name, Arrays.copyOf(content, (int) length));
                    expect("set length " + name, f, v -> { });
                }
            } else if (choice < 97) {
                CompletableFuture<VolumeStat> f = client.stat(name);
                boolean exists = content != null;
                long length = exists ? content.length : 0;
                expect("stat " + name, f, s -> {
                    assertEquals(exists, s.exists(), "exists");
                    if (exists) {
                        assertEquals(length, s.length(), "length");
                    }
                });
            } else {
                List<String> names = model.keySet().stream().map(n -> n.substring(dirName.length() + 1)).toList();
                // a listing is ordered after name changes only: its lengths are a snapshot (see PagerClient.list)
                expect("list " + dirName, client.list(dirName),
                        entries -> assertEquals(names, entries.stream().map(DirectoryEntry::name).toList(), "names"));
            }
        }

        private static final boolean TRACE = Boolean.getBoolean("hapager.trace");

        private <T> void expect(String what, CompletableFuture<T> future, Consumer<T> check) {
            if (TRACE) {
                System.err.println(dirName + " " + step + ": " + what);
            }
            window.addLast(new Check<>(step + ": " + what, future, check, null));
        }

        private void expectFailure(String what, CompletableFuture<?> future, PageIoException.Kind kind) {
            if (TRACE) {
                System.err.println(dirName + " " + step + ": " + what + " expecting " + kind);
            }
            window.addLast(new Check<>(step + ": " + what, future, null, kind));
        }
    }

    private record Check<T>(String what, CompletableFuture<T> future, Consumer<T> onSuccess, PageIoException.Kind failure) {
        void verify() {
            T value;
            try {
                value = future.orTimeout(30, TimeUnit.SECONDS).join();
            } catch (CompletionException e) {
                if (failure != null && e.getCause() instanceof PageIoException p && p.kind() == failure) {
                    return;
                }
                throw new AssertionError(what + ": expected " + (failure == null ? "success" : failure) + " but got " + e.getCause(), e.getCause());
            }
            if (failure != null) {
                throw new AssertionError(what + ": expected " + failure + " but it succeeded with " + value);
            }
            try {
                onSuccess.accept(value);
            } catch (AssertionError e) {
                throw new AssertionError(what + ": " + e.getMessage(), e);
            }
        }
    }
}
