/**
 * The callback records (patent FIG. 3) and the table that owns their state machine.
 *
 * <p>Internal to the pager. {@link org.hapager.pager.record.RecordTable} is the single owner of every
 * record's state; it runs on the pager's one I/O thread (a Netty event loop). Callers of
 * {@link org.hapager.pager.PagerClient} only create records and hand them over through a queue.
 */
package org.hapager.pager.record;
