/**
 * The reservation of the shared storage (one per data directory, which is the volume group): the lock file,
 * the taker's acquisition (yield, fence) and the holder's yield. See {@link org.hapager.server.reservation.Reservation}
 * for the state machine and the argument why no stale write can land after a takeover.
 */
package org.hapager.server.reservation;
