/**
 * One authenticated connection to one page server: handshake, heartbeats and the client's view of the lease.
 *
 * <p>Internal to the pager. Everything here runs on the connection's Netty event loop, which is the same
 * single I/O thread that owns the record table ({@code org.hapager.pager.record}); listener callbacks are
 * made on it.
 */
package org.hapager.pager.session;
