package org.hapager.server.session;

import java.util.concurrent.CompletableFuture;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;

/**
 * Runs a request's operation off the event loop; the future completes with the outcome or exceptionally
 * (a {@link org.hapager.server.store.StoreException} carries the protocol status). The server passes
 * {@code VolumeStore::submit}; tests pass futures they complete by hand.
 */
@FunctionalInterface
public interface OpExecutor {
    CompletableFuture<Outcome> execute(Op op);
}
