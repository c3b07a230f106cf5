package org.hapager.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hapager.server.metrics.ServerMetrics;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.Status;
import org.hapager.wire.WireLimits;

/** A store over a temporary directory, with helpers that wait for results (10 s safety net). */
final class StoreFixture implements AutoCloseable {

    final Path dataDir;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** What the store reported through its {@link StorageFailure}: "volume file cause" per call. */
    final java.util.List<String> flushFailures = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    final VolumeStore store;

    StoreFixture(Path dataDir) throws IOException {
        this(dataDir, WireLimits.DEFAULT, GroupCommitter.FDATASYNC);
    }

    StoreFixture(Path dataDir, WireLimits limits, GroupCommitter.Forcer forcer) throws IOException {
        this.dataDir = dataDir;
        this.store = new VolumeStore(dataDir, limits, 2, false, new ServerMetrics(registry), forcer,
                (volume, file, cause) -> flushFailures.add(volume + " " + file.getFileName() + " " + cause.getMessage()));
    }

    Path volumes() {
        return dataDir.resolve("volumes");
    }

    Outcome ok(Op op) {
        try {
            return store.submit(op).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(op + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(op + " did not complete", e);
        }
    }

    StoreException failure(Op op, Status expected) {
        try {
            Outcome outcome = store.submit(op).get(10, TimeUnit.SECONDS);
            return fail(op + " succeeded with " + outcome + "; expected " + expected);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof StoreException se)) {
                throw new AssertionError(op + " failed with an unexpected exception", e.getCause());
            }
            assertEquals(expected, se.status(), se.getMessage());
            return se;
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(op + " did not complete", e);
        }
    }

    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        return b;
    }

    @Override
    public void close() {
        store.close();
    }
}
