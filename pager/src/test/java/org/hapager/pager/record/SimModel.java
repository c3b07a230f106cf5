package org.hapager.pager.record;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hapager.wire.Op;
import org.hapager.wire.PageChecksums;

/**
 * The model of the record table simulation, updated at submission: per volume and page, the history of
 * requests that set its content (a write's id, or minus the id of a set-length or delete that zeroed it), and
 * whether {@code c} exists. It also generates the workload's requests (which depend on whether {@code c}
 * exists) and states which requests must run in submission order.
 */
final class SimModel {

    static final int PAGE_SIZE = 512;
    /** Pages per volume the workload touches. */
    static final int PAGES = 12;
    static final byte[] ZERO_PAGE = new byte[PAGE_SIZE];

    final Map<String, List<Long>[]> histories = new HashMap<>();
    boolean cExists;
    /** A create or delete of {@code c} was abandoned: whether it landed is unknown. */
    boolean cUncertain;

    @SuppressWarnings("unchecked")
    List<Long> history(String volume, long page) {
        return histories.computeIfAbsent(volume, v -> {
            List<Long>[] pages = new List[PAGES];
            for (int i = 0; i < PAGES; i++) {
                pages[i] = new ArrayList<>();
            }
            return pages;
        })[(int) page];
    }

    Op randomOp(SplittableRandom rnd, long id) {
        int roll = rnd.nextInt(100);
        if (roll < 10) {
            if (cExists) {
                return rnd.nextBoolean() ? new Op.Delete("c") : new Op.Create("c", false);
            }
            return new Op.Create("c", rnd.nextBoolean());
        }
        String volume = cExists && rnd.nextInt(3) == 0 ? "c" : rnd.nextBoolean() ? "a" : "b";
        int first = rnd.nextInt(PAGES);
        int count = 1 + rnd.nextInt(Math.min(3, PAGES - first));
        if (roll < 45) {
            ByteBuffer data = ByteBuffer.allocate(count * PAGE_SIZE);
            for (int i = 0; i < count; i++) {
                data.put(content(volume, first + i, id));
            }
            data.flip();
            boolean durable = rnd.nextBoolean(); // the other half buffered: acknowledged in the cache, durable at a barrier
            return new Op.Write(volume, PAGE_SIZE, first, count, PageChecksums.compute(data, PAGE_SIZE, count), data, durable);
        } else if (roll < 80) {
            return new Op.Read(volume, PAGE_SIZE, first, count);
        } else if (roll < 90) {
            return new Op.Sync(volume);
        }
        return new Op.SetLength(volume, (long) rnd.nextInt(PAGES + 1) * PAGE_SIZE);
    }

    /** For a read, per page, the length of the history it must see; null for other requests. */
    int[] snapshot(Op op) {
        if (!(op instanceof Op.Read read)) {
            return null;
        }
        int[] lengths = new int[read.pageCount()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = history(read.volume(), read.firstPage() + i).size();
        }
        return lengths;
    }

    void apply(Op op, long id) {
        if (op instanceof Op.Write w) {
            for (int i = 0; i < w.pageCount(); i++) {
                history(w.volume(), w.firstPage() + i).add(id);
            }
        } else if (op instanceof Op.SetLength s) {
            for (long p = s.length() / PAGE_SIZE; p < PAGES; p++) {
                history(s.volume(), p).add(-id);
            }
        } else if (op instanceof Op.Delete d) {
            for (long p = 0; p < PAGES; p++) {
                history(d.volume(), p).add(-id);
            }
            cExists = false;
        } else if (op instanceof Op.Create) {
            cExists = true;
        }
    }

    /**
     * What a read that saw the first {@code seen} history entries of a page may return: the content of
     * the latest entry that succeeded (zeros if none), or of any later one that was abandoned.
     */
    List<byte[]> allowedContents(String volume, long page, int seen, Map<Long, SimChecks.Sub> subs) {
        List<Long> history = history(volume, page);
        List<byte[]> allowed = new ArrayList<>();
        for (int i = seen - 1; i >= 0; i--) {
            long entry = history.get(i);
            allowed.add(content(volume, page, entry));
            SimChecks.Sub sub = subs.get(Math.abs(entry));
            if (!sub.failed) {
                return allowed;
            }
        }
        allowed.add(ZERO_PAGE);
        return allowed;
    }

    /** A page as written by request {@code version} (zeros for 0 or a zeroing request). */
    static byte[] content(String volume, long page, long version) {
        if (version <= 0) {
            return ZERO_PAGE;
        }
        ByteBuffer b = ByteBuffer.allocate(PAGE_SIZE);
        b.putLong(version).putLong(page).put((byte) volume.charAt(0));
        while (b.hasRemaining()) {
            b.put((byte) (version * 31 + page * 7 + b.position()));
        }
        return b.array();
    }

    /** Whether two requests must run in submission order (the test's own statement of the rule). */
    static boolean conflicts(Op earlier, Op later) {
        boolean earlierRead = earlier instanceof Op.Read;
        boolean laterRead = later instanceof Op.Read;
        if ((earlierRead && laterRead) || !earlier.volume().equals(later.volume())) {
            return false;
        }
        long[] a = range(earlier);
        long[] b = range(later);
        return a[0] < b[1] && b[0] < a[1];
    }

    private static long[] range(Op op) {
        if (op instanceof Op.Read r) {
            return new long[] {r.firstPage(), r.firstPage() + r.pageCount()};
        }
        if (op instanceof Op.Write w) {
            return new long[] {w.firstPage(), w.firstPage() + w.pageCount()};
        }
        return new long[] {0, Long.MAX_VALUE};
    }
}
