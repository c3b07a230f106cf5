package org.hapager.pager;

/**
 * Decides, on the pager's I/O thread, at the moment a request that changes storage is about to be sent to a
 * server (the first time, or again after a failover), whether it may still be sent. A request the guard
 * refuses is never sent (again): it completes with the guard's failure instead.
 *
 * <p>This is how a caller bounds <i>when</i> its writes can take effect rather than only when they were
 * submitted: a write waits in the pager while no server is reachable (up to
 * {@link PagerConfig#failoverDeadline()}) and is reissued after a failover, so without a guard a write
 * submitted at t may take effect long after t. The database lock of the Derby storage factory uses it so
 * that a JVM whose lock lapsed sends nothing more (see {@code org.hapager.derby.lock}).
 *
 * <p>Checked for writes, set-length, create, delete, rename (both names) and mkdirs; never for reads, stats,
 * lists and syncs (a sync changes nothing that an earlier write did not). Runs on the I/O thread for every such
 * send: it must be quick and must not block.
 *
 * <p>The kind of the refusal matters for an acknowledged buffered write that the pager writes again after a
 * failover (its copy, kept until a sync): {@link PageIoException.Kind#UNAVAILABLE} means "not now" (a lease
 * whose renewal is late): the pager holds that copy, the copies after it and every request touching their
 * volumes, asks again every few tens of milliseconds, and sends them once the guard lets them go. Any other
 * kind is for good (the lock was taken over, or given up): the copy is dropped, and from then on every sync,
 * durable write and length change of its volume fails until the registration is closed. A guard that answers
 * UNAVAILABLE must come to a final answer in bounded time.
 */
@FunctionalInterface
public interface SendGuard {

    /**
     * @param name    the volume or directory the request changes (for a rename: each of the two names)
     * @param request the request as error messages name it ({@code write of "db/seg0/c10.dat" page 3})
     * @return null to send the request; otherwise the failure it completes with, unsent
     */
    PageIoException refusal(String name, String request);

    /** A guard's registration with {@link PagerClient#guard}: closing it removes the guard. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
