package org.hapager.pager.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.hapager.wire.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Random admit/retire sequences against a brute-force model of "conflicting requests run in submission
 * order": a request may run exactly when no earlier, still pending request conflicts with it.
 */
@ExtendWith(SeedExtension.class)
class RequestOrderingTest {


    @Test
    void writesToOnePageRunInSubmissionOrder() {
        RequestOrdering ordering = new RequestOrdering();
        CallbackRecord first = record(1, write("v", 3, 1));
        CallbackRecord second = record(2, write("v", 3, 1));
        CallbackRecord read = record(3, new Op.Read("v", 4096, 3, 1));
        CallbackRecord other = record(4, write("v", 4, 1));
        assertTrue(ordering.admit(first));
        assertFalse(ordering.admit(second));
        assertFalse(ordering.admit(read));
        assertTrue(ordering.admit(other), "a write to another page does not wait");
        List<CallbackRecord> freed = new ArrayList<>();
        ordering.retire(first, freed::add);
        assertEquals(List.of(second), freed);
        ordering.retire(second, freed::add);
        assertEquals(List.of(second, read), freed);
        ordering.retire(read, freed::add);
        ordering.retire(other, freed::add);
        assertEquals(0, ordering.pendingKeys());
    }

    @Test
    void syncWaitsForEveryEarlierRequestOfItsVolume() {
        RequestOrdering ordering = new RequestOrdering();
        CallbackRecord w1 = record(1, write("a", 0, 2));
        CallbackRecord w2 = record(2, write("a", 9, 1));
        CallbackRecord elsewhere = record(3, write("b", 0, 1));
        CallbackRecord sync = record(4, new Op.Sync("a"));
        ordering.admit(w1);
        ordering.admit(w2);
        ordering.admit(elsewhere);
        assertFalse(ordering.admit(sync));
        assertEquals(List.of(w1, w2), sync.blockers);
    }

    @Test
    void randomSequencesMatchTheModel(Seed seed) {
        Random random = new Random(seed.value());
        for (int round = 0; round < 200; round++) {
            runRound(random);
        }
    }

    private void runRound(Random random) {
        RequestOrdering ordering = new RequestOrdering();
        List<CallbackRecord> pending = new ArrayList<>(); // submission order
        Set<CallbackRecord> free = new LinkedHashSet<>();
        long nextId = 1;
        for (int step = 0; step < 300; step++) {
            if (pending.isEmpty() || random.nextInt(10) < 6) {
                CallbackRecord r = record(nextId++, randomOp(random));
                boolean runnable = ordering.admit(r);
                pending.add(r);
                assertEquals(modelRunnable(pending, r), runnable, "admit of " + r.describe());
                if (runnable) {
                    free.add(r);
                }
            } else if (!free.isEmpty()) {
                // retire a random running request; whatever it frees must be exactly what the model frees
                CallbackRecord done = new ArrayList<>(free).get(random.nextInt(free.size()));
                free.remove(done);
                List<CallbackRecord> freed = new ArrayList<>();
                ordering.retire(done, freed::add);
                pending.remove(done);
                for (CallbackRecord r : pending) {
                    boolean shouldRun = modelRunnable(pending, r);
                    boolean running = free.contains(r) || freed.contains(r);
                    assertEquals(shouldRun, running, r.describe() + " after retiring " + done.describe());
                }
                free.addAll(freed);
            }
        }
        while (!free.isEmpty()) {
            CallbackRecord done = free.iterator().next();
            free.remove(done);
            pending.remove(done);
            ordering.retire(done, free::add);
        }
        assertTrue(pending.isEmpty(), "requests never freed: " + pending.size());
        assertEquals(0, ordering.pendingKeys());
    }

    /** Brute force: r may run iff no earlier pending request conflicts with it. */
    private static boolean modelRunnable(List<CallbackRecord> pending, CallbackRecord r) {
        for (CallbackRecord earlier : pending) {
            if (earlier == r) {
                return true;
            }
            if (modelConflict(earlier.op, r.op)) {
                return false;
            }
        }
        throw new AssertionError("not pending");
    }

    private static boolean modelConflict(Op a, Op b) {
        if (readOnly(a) && readOnly(b)) {
            return false;
        }
        if (namespace(a) && namespace(b)) {
            return true;
        }
        for (String na : names(a)) {
            for (String nb : names(b)) {
                if (na.equals(nb) && rangesOverlap(a, b)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean readOnly(Op op) {
        return op instanceof Op.Read || op instanceof Op.Stat || op instanceof Op.List;
    }

    private static boolean namespace(Op op) {
        return op instanceof Op.Create || op instanceof Op.Delete || op instanceof Op.Rename
                || op instanceof Op.Mkdirs || op instanceof Op.List;
    }

    private static List<String> names(Op op) {
        if (op instanceof Op.List) {
            return List.of();
        }
        if (op instanceof Op.Rename r) {
            return List.of(r.volume(), r.target());
        }
        return List.of(op.volume());
    }

    private static boolean rangesOverlap(Op a, Op b) {
        long[] ra = range(a);
        long[] rb = range(b);
        return ra[0] < rb[1] && rb[0] < ra[1];
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

    private static Op randomOp(Random random) {
        String volume = "v" + random.nextInt(3);
        long page = random.nextInt(8);
        int count = 1 + random.nextInt(3);
        return switch (random.nextInt(12)) {
            case 0, 1, 2 -> new Op.Read(volume, 4096, page, count);
            case 3, 4, 5 -> write(volume, page, count);
            case 6 -> new Op.Sync(volume);
            case 7 -> new Op.Stat(volume);
            case 8 -> new Op.Create(volume, random.nextBoolean());
            case 9 -> new Op.Rename(volume, "v" + random.nextInt(3), true);
            case 10 -> new Op.List("");
            default -> new Op.SetLength(volume, page * 4096);
        };
    }

    private static Op.Write write(String volume, long page, int count) {
        return new Op.Write(volume, 4096, page, count, new int[count], ByteBuffer.allocate(count * 4096));
    }

    private static CallbackRecord record(long id, Op op) {
        CallbackRecord r = new CallbackRecord(op, null);
        r.id = id;
        return r;
    }
}
