/**
 * The buffer pool: a fixed budget of off-heap page frames over the {@link org.hapager.pager.PagerClient}.
 * {@link org.hapager.bufferpool.BufferPool} owns the page table, the frames' states and pins, and the
 * eviction policy, all under its one lock; the pager's I/O thread completes reads and write-backs and
 * takes that lock only briefly. Callers' threads fix and unfix pages.
 */
package org.hapager.bufferpool;
