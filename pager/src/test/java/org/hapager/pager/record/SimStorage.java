package org.hapager.pager.record;

import static org.hapager.pager.record.SimModel.PAGES;
import static org.hapager.pager.record.SimModel.PAGE_SIZE;
import static org.hapager.pager.record.SimModel.ZERO_PAGE;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.hapager.wire.Status;

/**
 * The simulated storage both simulated servers execute against; tracks the last version applied to each page,
 * which must never go backwards.
 */
final class SimStorage {
    final Map<String, Vol> volumes = new HashMap<>();
    final Map<String, Long> lastApplied = new HashMap<>();

    byte[] read(String volume, long page) {
        Vol v = volumes.get(volume);
        byte[] data = v == null || page >= v.lengthPages ? null : v.pages.get(page);
        return data == null ? ZERO_PAGE : data;
    }

    Message.Completion execute(long id, Op op, SimChecks checks) {
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
            for (int i = 0; i < w.pageCount(); i++) {
                long page = w.firstPage() + i;
                applied(checks, w.volume(), page, id);
                byte[] bytes = new byte[PAGE_SIZE];
                w.data().duplicate().position(i * PAGE_SIZE).get(bytes);
                v.pages.put(page, bytes);
            }
            v.lengthPages = Math.max(v.lengthPages, w.firstPage() + w.pageCount());
            return Message.Completion.ok(id, op.code(), new Outcome.PagesWritten(v.lengthPages * PAGE_SIZE));
        } else if (op instanceof Op.SetLength l) {
            long keep = l.length() / PAGE_SIZE;
            for (long p = keep; p < PAGES; p++) {
                applied(checks, l.volume(), p, id);
                v.pages.remove(p);
            }
            v.lengthPages = keep;
            return Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
        } else if (op instanceof Op.Delete d) {
            for (long p = 0; p < PAGES; p++) {
                applied(checks, d.volume(), p, id);
            }
            volumes.remove(d.volume());
            return Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
        } else if (op instanceof Op.Create c) {
            if (v != null) {
                return c.exclusive() ? Message.Completion.failed(id, op.code(), Status.ALREADY_EXISTS, "exists")
                        : Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
            }
            volumes.put(c.volume(), new Vol());
            return Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
        } else if (op instanceof Op.Sync) {
            return Message.Completion.ok(id, op.code(), Outcome.Done.INSTANCE);
        }
        throw new AssertionError("not generated: " + op);
    }

    /** Version {@code id} reaches a page: it must never be older than what the page already got. */
    private void applied(SimChecks checks, String volume, long page, long id) {
        Long previous = lastApplied.put(volume + "/" + page, id);
        checks.check(previous == null || previous <= id, "volume " + volume + " page " + page + ": version " + id
                + " applied after version " + previous);
    }

    /** One volume: its length in pages and the pages written. */
    static final class Vol {
        long lengthPages;
        final Map<Long, byte[]> pages = new HashMap<>();
    }
}
