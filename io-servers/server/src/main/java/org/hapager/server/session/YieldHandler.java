package org.hapager.server.session;

import java.util.concurrent.CompletableFuture;
import org.hapager.wire.Message;

/**
 * Answers a peer server's YIELD (the server's {@code Reservation}); the future may complete on any thread, the
 * session hops back to its event loop to send the answer.
 */
@FunctionalInterface
public interface YieldHandler {

    /** For sessions without a reservation behind them (unit tests): never holds, so never yields. */
    YieldHandler NOT_HOLDING = request -> CompletableFuture.completedFuture(
            new Message.Yielded(false, "this server does not hold a reservation"));

    CompletableFuture<Message.Yielded> yieldTo(Message.Yield request);
}
