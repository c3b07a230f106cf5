package org.hapager.server.session;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;

/**
 * Runs a request's operation; the future completes with the outcome or exceptionally (a
 * {@link org.hapager.server.store.StoreException} carries the protocol status). {@code eventLoop} is the
 * session's, which the store may use to finish a durable write after the current read (see
 * {@link org.hapager.server.store.VolumeStore#submit(Op, java.util.concurrent.Executor)}). The server passes
 * its reservation's gate to the store; tests pass futures they complete by hand.
 */
@FunctionalInterface
public interface OpExecutor {
    CompletableFuture<Outcome> execute(Op op, Executor eventLoop);
}
