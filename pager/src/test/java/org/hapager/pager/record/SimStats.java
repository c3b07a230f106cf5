package org.hapager.pager.record;

/** Totals over all schedules of the record table simulation, to show (and assert) that the interesting windows were reached. */
final class SimStats {
    long submitted, reissuedOk, lostCompletions, staleDelivered, refusedShuttingDown, refusedNotReserved,
            duplicateCreateOk, expired, expiredBlocked, expiredWhileDraining, crashes, readsChecked, schedulesWithoutFailure,
            admittedInReverse, bufferedWritesOk, replaysExecuted, hostLostPages;

    @Override
    public String toString() {
        return "submitted=" + submitted + " crashes=" + crashes + " lostCompletions=" + lostCompletions
                + " reissuedOk=" + reissuedOk + " staleDelivered=" + staleDelivered + " shuttingDown="
                + refusedShuttingDown + " notReserved=" + refusedNotReserved + " duplicateCreateOk="
                + duplicateCreateOk + " expired=" + expired + " (blocked " + expiredBlocked + ", while draining "
                + expiredWhileDraining + ") admittedInReverse=" + admittedInReverse + " readsChecked=" + readsChecked
                + " bufferedWritesOk=" + bufferedWritesOk + " hostLostPages=" + hostLostPages + " replaysExecuted=" + replaysExecuted
                + " schedulesWithoutFailure=" + schedulesWithoutFailure;
    }
}
