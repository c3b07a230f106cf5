package org.hapager.bufferpool;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.hapager.pager.PageIoException;
import org.hapager.pager.Volume;
import org.hapager.testkit.Await;

/**
 * Page I/O that models durability like a page server: each volume has a file (what reads see) and the durable
 * copy of it (what survives a crash). A buffered write puts its page in the file; a durable write puts its
 * pages in the file and then makes the whole file durable (fdatasync); a sync makes the file durable.
 * {@link #crash()} throws away every page that is not durable. Every call is recorded in order in
 * {@link #calls}.
 *
 * <p>A call that {@link #hold} matches waits in {@link #held} until the test runs it: {@link Held#run()} does
 * its effect and completes it, or {@link Held#apply()} and {@link Held#complete()} separately, to model a
 * write that reached the disk before an earlier buffered write landed but whose answer came after. Other
 * calls take effect and complete at once on the caller's thread.
 */
final class DurabilityIo implements PageIo {

    enum Kind { READ, WRITE, WRITE_BUFFERED, SYNC }

    /** One call: {@code pages} pages from {@code firstPage} (0 for a sync). */
    record Call(Kind kind, String volume, long firstPage, int pages) {
        @Override
        public String toString() {
            return kind + " " + volume + (kind == Kind.SYNC ? "" : "#" + firstPage + "+" + pages);
        }
    }

    /** A held call: its effect and its completion, run by the test. */
    final class Held {
        final Call call;
        private final Runnable effect;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Held(Call call, Runnable effect) {
            this.call = call;
            this.effect = effect;
        }

        void apply() {
            synchronized (DurabilityIo.this) {
                effect.run();
            }
        }

        void complete() {
            done.complete(null);
        }

        void run() {
            apply();
            complete();
        }

        @Override
        public String toString() {
            return "held " + call;
        }
    }

    /** Guarded by this: volume → page → bytes, as reads see them. */
    private final Map<String, Map<Long, byte[]>> files = new HashMap<>();
    /** Guarded by this: volume → page → bytes, what a crash leaves. */
    private final Map<String, Map<Long, byte[]>> durable = new HashMap<>();
    /** Guarded by itself. */
    private final List<Call> calls = new ArrayList<>();
    /** Guarded by itself. */
    private final List<Held> held = new ArrayList<>();
    volatile Predicate<Call> hold = c -> false;
    /** Syncs fail with STORAGE while set. */
    volatile boolean failSyncs;
    volatile int maxWriteBytes = 1024 * 1024;

    @Override
    public CompletableFuture<?> read(Volume volume, long page, ByteBuffer into) {
        ByteBuffer target = into.duplicate();
        return call(new Call(Kind.READ, volume.name(), page, 1), () -> {
            byte[] bytes = file(volume.name()).get(page);
            target.put(0, bytes == null ? new byte[volume.pageSize()] : bytes);
        });
    }

    @Override
    public CompletableFuture<?> write(Volume volume, long firstPage, ByteBuffer data) {
        if (data.remaining() > maxWriteBytes || data.remaining() % volume.pageSize() != 0) {
            throw new IllegalArgumentException("write of " + data.remaining() + " bytes (max " + maxWriteBytes + ")");
        }
        List<byte[]> pages = copy(volume, data);
        return call(new Call(Kind.WRITE, volume.name(), firstPage, pages.size()), () -> {
            for (int i = 0; i < pages.size(); i++) {
                file(volume.name()).put(firstPage + i, pages.get(i));
            }
            force(volume.name());
        });
    }

    @Override
    public CompletableFuture<?> writeBuffered(Volume volume, long page, ByteBuffer data) {
        List<byte[]> pages = copy(volume, data);
        if (pages.size() != 1) {
            throw new IllegalArgumentException("buffered write of " + pages.size() + " pages");
        }
        return call(new Call(Kind.WRITE_BUFFERED, volume.name(), page, 1), () -> file(volume.name()).put(page, pages.get(0)));
    }

    @Override
    public CompletableFuture<?> sync(String volume) {
        if (failSyncs) {
            synchronized (calls) {
                calls.add(new Call(Kind.SYNC, volume, 0, 0));
            }
            return CompletableFuture.failedFuture(new PageIoException(PageIoException.Kind.STORAGE, "injected sync failure of " + volume));
        }
        return call(new Call(Kind.SYNC, volume, 0, 0), () -> force(volume));
    }

    @Override
    public int maxWriteBytes() {
        return maxWriteBytes;
    }

    /** Loses every page that is not durable: the files become their durable copies. */
    synchronized void crash() {
        files.clear();
        durable.forEach((volume, pages) -> files.put(volume, new HashMap<>(pages)));
    }

    /** The durable bytes of a page, or null if none are. */
    synchronized byte[] durablePage(String volume, long page) {
        Map<Long, byte[]> pages = durable.get(volume);
        return pages == null ? null : pages.get(page);
    }

    /** The calls so far, in order. */
    List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /** The calls of one kind so far, in order. */
    List<Call> calls(Kind kind) {
        return calls().stream().filter(c -> c.kind() == kind).toList();
    }

    /** Waits until a held call of {@code kind} on {@code firstPage} is there and takes it out. */
    Held awaitHeld(Kind kind, long firstPage) {
        Held[] found = new Held[1];
        Await.until("a held " + kind + " of page " + firstPage, () -> {
            synchronized (held) {
                for (Held h : held) {
                    if (h.call.kind() == kind && (kind == Kind.SYNC || h.call.firstPage() == firstPage)) {
                        held.remove(h);
                        found[0] = h;
                        return true;
                    }
                }
                return false;
            }
        }, () -> "held " + heldNow() + ", calls " + calls());
        return found[0];
    }

    private List<Held> heldNow() {
        synchronized (held) {
            return List.copyOf(held);
        }
    }

    private CompletableFuture<?> call(Call call, Runnable effect) {
        synchronized (calls) {
            calls.add(call);
        }
        Held h = new Held(call, effect);
        if (hold.test(call)) {
            synchronized (held) {
                held.add(h);
            }
        } else {
            h.run();
        }
        return h.done;
    }

    private static List<byte[]> copy(Volume volume, ByteBuffer data) {
        List<byte[]> pages = new ArrayList<>();
        ByteBuffer from = data.duplicate();
        while (from.hasRemaining()) {
            byte[] page = new byte[volume.pageSize()];
            from.get(page);
            pages.add(page);
        }
        return pages;
    }

    private Map<Long, byte[]> file(String volume) {
        return files.computeIfAbsent(volume, v -> new HashMap<>());
    }

    private void force(String volume) {
        durable.put(volume, new HashMap<>(file(volume)));
    }
}
