package org.hapager.bufferpool;

import io.micrometer.core.instrument.Counter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-back: CLEAN → DIRTY ({@link #dirtied}), DIRTY → WRITING ({@link #start}, by eviction or
 * {@link #sync}) and WRITING → CLEAN or DIRTY (the write's completion), with the count of dirty frames.
 * Every method but {@link #sync} and the completion runs with the pool's lock held.
 */
final class WriteBack {

    private static final Logger log = LoggerFactory.getLogger(WriteBack.class);

    private final FrameTable table;
    private final PageIo io;
    private final Counter writeBacks;
    /** Frames in state DIRTY; read racily by gauges. */
    private volatile int dirtyFrames;

    WriteBack(FrameTable table, PageIo io, PoolMeters meters) {
        this.table = table;
        this.io = io;
        this.writeBacks = meters.writeBacks;
    }

    int dirtyFrames() {
        return dirtyFrames;
    }

    /** CLEAN → DIRTY, by {@link PageHandle#markDirty()} (the caller holds the exclusive pin). */
    void dirtied(Frame f) {
        f.state = FrameState.DIRTY;
        dirtyFrames++;
    }

    /** DIRTY → WRITING: queues the frame's write; the frame is pinned by it until the write completes. */
    void start(Frame f, List<Runnable> pendingIo) {
        if (f.exclusivePin || f.state != FrameState.DIRTY) {
            throw new AssertionError("write-back of " + f);
        }
        f.state = FrameState.WRITING;
        f.flushRequested = false;
        dirtyFrames--;
        long epoch = f.dirtyEpoch;
        Volume volume = f.volume;
        long page = f.page();
        ByteBuffer data = f.bytes.duplicate();
        writeBacks.increment();
        pendingIo.add(() -> FrameTable.submit(() -> io.write(volume, page, data), e -> writeDone(f, epoch, e)));
    }

    /** WRITING → CLEAN, or WRITING → DIRTY on failure (the page is written again later). */
    private void writeDone(Frame f, long epoch, Throwable failure) {
        table.lock.lock();
        try {
            if (f.state != FrameState.WRITING || f.dirtyEpoch != epoch) {
                throw new AssertionError("write completion for " + f);
            }
            if (failure == null) {
                f.state = FrameState.CLEAN;
                f.durableEpoch = epoch;
                f.writeFailure = null;
            } else {
                log.warn("write-back of {} (frame {}) failed; the page stays dirty", f.pageId, f.index, failure);
                f.state = FrameState.DIRTY;
                f.writeFailure = failure;
                f.writeFailures++;
                dirtyFrames++;
            }
            table.changed.signalAll();
        } finally {
            table.lock.unlock();
        }
    }

    /** See {@link BufferPool#sync}. Takes the lock. */
    void sync(String volume) throws PageIoException {
        record Target(Frame frame, long generation, long epoch, int failures) {}
        List<Target> targets = new ArrayList<>();
        List<Runnable> pendingIo = new ArrayList<>();
        table.lock.lock();
        try {
            for (Frame f : table.mapped()) {
                if (f.pageId.volume().equals(volume) && f.dirtyEpoch > f.durableEpoch) {
                    targets.add(new Target(f, f.mapGeneration, f.dirtyEpoch, f.writeFailures));
                }
            }
            while (!targets.isEmpty()) {
                for (var it = targets.iterator(); it.hasNext(); ) {
                    Target t = it.next();
                    Frame f = t.frame();
                    if (f.mapGeneration != t.generation() || f.durableEpoch >= t.epoch()) {
                        it.remove(); // written (a frame is only unmapped when CLEAN)
                    } else if (f.writeFailures != t.failures() && f.state == FrameState.DIRTY) {
                        throw new PageIoException(PageIoException.Kind.STORAGE, "sync of " + volume
                                + ": write-back of " + f.pageId + " failed", f.writeFailure);
                    } else if (f.state == FrameState.DIRTY && !f.exclusivePin) {
                        start(f, pendingIo); // shared pins only read: the bytes stay put
                    } else if (f.state == FrameState.DIRTY) {
                        f.flushRequested = true;
                    }
                }
                if (targets.isEmpty()) {
                    break;
                }
                if (!pendingIo.isEmpty()) {
                    table.runUnlocked(pendingIo);
                } else {
                    table.changed.awaitUninterruptibly();
                }
            }
        } finally {
            for (Target t : targets) {
                t.frame().flushRequested = false;
            }
            table.changed.signalAll();
            table.lock.unlock();
            pendingIo.forEach(Runnable::run);
        }
        try {
            io.sync(volume).join();
        } catch (CompletionException e) {
            throw new PageIoException(PageIoException.Kind.STORAGE, "sync of " + volume + ": the pager's sync failed", e.getCause());
        }
    }

    /** Invariant 5 and the dirty count of invariant 6 of {@link BufferPool}. */
    void checkInvariants() {
        int dirty = 0;
        for (Frame f : table.frames) {
            if (f.state == FrameState.FREE) {
                continue;
            }
            FrameTable.check(f.state != FrameState.CLEAN || f.durableEpoch == f.dirtyEpoch, 5, f);
            FrameTable.check(f.state != FrameState.DIRTY || f.durableEpoch < f.dirtyEpoch, 5, f);
            dirty += f.state == FrameState.DIRTY ? 1 : 0;
        }
        FrameTable.check(dirty == dirtyFrames, 6, "dirty " + dirty + "/" + dirtyFrames);
    }
}
