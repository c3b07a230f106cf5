package org.hapager.server.reservation;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.hapager.server.store.VolumeStore;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;

/**
 * The storage a {@link Reservation} guards: the operations of {@link VolumeStore} it lets through only while
 * it holds the reservation. An interface so the reservation's state machine can be tested with an in-JVM fake.
 */
public interface GuardedStore {

    /** Executes a storage operation (see {@link VolumeStore#submit(Op, Executor)}). */
    CompletableFuture<Outcome> submit(Op op, Executor local);

    /** Drops cached file channels (see {@link VolumeStore#forgetOpenFiles}). */
    void forgetOpenFiles();

    /** Completes once every write queued so far is durable (see {@link VolumeStore#flush}). */
    CompletableFuture<Void> flush();

    static GuardedStore of(VolumeStore store) {
        return new GuardedStore() {
            @Override
            public CompletableFuture<Outcome> submit(Op op, Executor local) {
                return store.submit(op, local);
            }

            @Override
            public void forgetOpenFiles() {
                store.forgetOpenFiles();
            }

            @Override
            public CompletableFuture<Void> flush() {
                return store.flush();
            }
        };
    }
}
