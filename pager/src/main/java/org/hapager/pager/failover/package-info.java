/**
 * Which page server the client talks to, and the switch to another one when it is lost or drains.
 *
 * <p>Internal to the pager; runs on the pager's single I/O thread, like the record table it drives.
 */
package org.hapager.pager.failover;
