package org.hapager.pager.record;

import static org.hapager.pager.record.SimModel.PAGES;
import static org.hapager.pager.record.SimModel.PAGE_SIZE;
import static org.hapager.pager.record.SimModel.ZERO_PAGE;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.hapager.wire.Status;

/**
 * The simulated storage both simulated servers execute against: a cluster file system with durable pages (the
 * disk) and one cache of dirty pages coherent across the servers' hosts, each dirty page remembering the server
 * that wrote it last.
 *
 * <ul>
 *   <li>A buffered write puts its pages in the cache. A durable write, a set-length or a sync of a volume first
 *       flushes every dirty page of that volume to the disk, whoever wrote it (a force of the file by any server
 *       covers every write to it that completed before: what {@code UnsyncedWrites} relies on); a durable write
 *       then writes its pages to the disk. A delete removes the volume from both. Reads see the cache over the
 *       disk; the length is metadata, kept on the disk.</li>
 *   <li>{@link #hostLost}: a server's host dies. The dirty pages it wrote last are lost: those pages show the
 *       disk's bytes again.</li>
 * </ul>
 *
 * <h2>Versions</h2>
 * A page's version is the id of the record whose content it holds ({@link SimChecks#versionOf}, the first
 * bytes of the page), or the id of the set-length or delete that zeroed it; a replay carries its record's
 * version under a new request id. {@code lastApplied} is the version each page last got: a record's write,
 * set-length or delete must never bring an older one ("never backwards"), reissues included. A page reverting to
 * the disk's bytes after a host loss did not apply anything: it goes back to the disk's version
 * ({@code durableVersion}). A replay may land on a newer version whose record is still unfinished (reissued
 * after the replay): the checks judge replays against the model instead ({@link SimChecks#checkReplay}).
 */
final class SimStorage {
    /** The disk: per volume its length and its durable pages. */
    final Map<String, Vol> volumes = new HashMap<>();
    /** The coherent cache: per volume, its dirty pages, not yet on the disk. */
    final Map<String, Map<Long, Dirty>> cache = new HashMap<>();
    /** Per "volume/page", the version it last got, and the version its disk bytes hold. */
    final Map<String, Long> lastApplied = new HashMap<>();
    final Map<String, Long> durableVersion = new HashMap<>();
    /** Dirty pages lost with their writer's host, over the schedule. */
    long pagesLost;

    byte[] read(String volume, long page) {
        Vol v = volumes.get(volume);
        if (v == null || page >= v.lengthPages) {
            return ZERO_PAGE;
        }
        Map<Long, Dirty> dirty = cache.get(volume);
        Dirty d = dirty == null ? null : dirty.get(page);
        byte[] data = d != null ? d.bytes : v.pages.get(page);
        return data == null ? ZERO_PAGE : data;
    }

    /**
     * Server {@code server} executes request {@code id}; a replay ({@code replay} true) is judged by the checks,
     * not by the never-backwards rule.
     */
    Message.Completion execute(long id, Op op, String server, boolean replay, SimChecks checks) {
        Vol v = volumes.get(op.volume());
        if (v == null && !(op instanceof Op.Create)) {
            return Message.Completion.failed(id, op.code(), Status.NOT_FOUND, "no volume " + op.volume());
        }
        if (op instanceof Op.Read r) {
            ByteBuffer data = ByteBuffer.allocate(r.pageCount() * PAGE_SIZE);
            for (int i = 0; i < r.pageCount(); i++) {
                data.put(read(r.volume(), r.firstPage() + i));
            }
            data.flip();
            int[] crcs = PageChecksums.compute(data, PAGE_SIZE, r.pageCount());
            return Message.Completion.ok(id, op.code(), new Outcome.PagesRead(v.lengthPages * PAGE_SIZE, crcs, data));
        } else if (op instanceof Op.Write w) {
            if (PageChecksums.firstMismatch(w.data(), PAGE_SIZE, w.crcs()) >= 0) {
                return Message.Completion.failed(id, op.code(), Status.CHECKSUM_MISMATCH, "bad page");
            }
            if (w.durable()) {
                flush(w.volume());
            }
            for (int i = 0; i < w.pageCount(); i++) {
                long page = w.firstPage() + i;
                byte[] bytes = new byte[PAGE_SIZE];
                w.data().duplicate().position(i * PAGE_SIZE).get(bytes);
                long version = SimChecks.versionOf(bytes);
                if (replay) {
                    lastApplied.put(w.volume() + "/" + page, version);
                } else {
                    applied(checks, w.volume(), page, version);
                }
                if (w.durable()) {
                    v.pages.put(page, bytes);
                    durableVersion.put(w.volume() + "/" + page, version);
                } else {
                    cache.computeIfAbsent(w.volume(), x -> new HashMap<>()).put(page, new Dirty(bytes, server, version));
                }
            }
            v.lengthPages = Math.max(v.lengthPages, w.firstPage() + w.pageCount());
            return Message.Completion.ok(id, op.code(), new Outcome.PagesWritten(v.lengthPages * PAGE_SIZE));
        } else if (op instanceof Op.SetLength l) {
            flush(l.volume());
            long keep = l.length() / PAGE_SIZE;
            for (long p = keep; p < PAGES; p++) {
                applied(checks, l.volume(), p, id);
                durableVersion.put(l.volume() + "/" + p, id);
                v.pages.remove(p);
            }
            v.lengthPages = keep;
            return Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
        } else if (op instanceof Op.Delete d) {
            for (long p = 0; p < PAGES; p++) {
                applied(checks, d.volume(), p, id);
                durableVersion.put(d.volume() + "/" + p, id);
            }
            volumes.remove(d.volume());
            cache.remove(d.volume());
            return Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
        } else if (op instanceof Op.Create c) {
            if (v != null) {
                return c.exclusive() ? Message.Completion.failed(id, op.code(), Status.ALREADY_EXISTS, "exists")
                        : Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
            }
            volumes.put(c.volume(), new Vol());
            return Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
        } else if (op instanceof Op.Sync s) {
            flush(s.volume());
            return Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
        }
        throw new AssertionError("not generated: " + op);
    }

    /** The host of {@code server} dies: the dirty pages it wrote last are lost. Returns how many. */
    int hostLost(String server) {
        int lost = 0;
        for (Iterator<Map.Entry<String, Map<Long, Dirty>>> volumesIt = cache.entrySet().iterator(); volumesIt.hasNext(); ) {
            Map.Entry<String, Map<Long, Dirty>> e = volumesIt.next();
            for (Iterator<Map.Entry<Long, Dirty>> it = e.getValue().entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Long, Dirty> page = it.next();
                if (page.getValue().writer.equals(server)) {
                    it.remove();
                    String key = e.getKey() + "/" + page.getKey();
                    lastApplied.put(key, durableVersion.getOrDefault(key, 0L)); // reverted, not applied
                    lost++;
                }
            }
            if (e.getValue().isEmpty()) {
                volumesIt.remove();
            }
        }
        pagesLost += lost;
        return lost;
    }

    /** Writes every dirty page of {@code volume} to the disk, whoever wrote it. */
    private void flush(String volume) {
        Map<Long, Dirty> dirty = cache.remove(volume);
        if (dirty == null) {
            return;
        }
        Vol v = volumes.get(volume);
        dirty.forEach((page, d) -> {
            v.pages.put(page, d.bytes);
            durableVersion.put(volume + "/" + page, d.version);
        });
    }

    /** A record's version {@code version} reaches a page: it must never be older than what the page already got. */
    private void applied(SimChecks checks, String volume, long page, long version) {
        Long previous = lastApplied.put(volume + "/" + page, version);
        checks.check(previous == null || previous <= version, "volume " + volume + " page " + page + ": version "
                + version + " applied after version " + previous);
    }

    /** One volume on the disk: its length in pages and the pages written durably. */
    static final class Vol {
        long lengthPages;
        final Map<Long, byte[]> pages = new HashMap<>();
    }

    /** A page in the cache: its bytes, the server that wrote it last, and their version. */
    record Dirty(byte[] bytes, String writer, long version) {
    }
}
