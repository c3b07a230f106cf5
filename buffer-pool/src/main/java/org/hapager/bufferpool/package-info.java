/**
 * The buffer pool: a fixed budget of off-heap page frames over the {@link org.hapager.pager.PagerClient}.
 * {@link org.hapager.bufferpool.BufferPool} is the API and documents the frames' state machine; its
 * package-private parts (the frame table, victim choice, reads, write-back) share its one lock. The pager's
 * I/O thread completes reads and write-backs and takes that lock only briefly. Callers' threads fix and
 * unfix pages.
 */
package org.hapager.bufferpool;
