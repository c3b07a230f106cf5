/**
 * Paged memory: {@link org.hapager.bufferpool.memory.PagedMemory}, a flat address space far larger than the
 * buffer pool, backed by a swap volume on the page servers. It uses only the pool's public API
 * ({@code fix}, {@code markDirty}, {@code sync}): every access pins its page for the copy and no longer.
 */
package org.hapager.bufferpool.memory;
