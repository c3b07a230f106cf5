package org.hapager.pager.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.hapager.pager.PageIoException;
import org.hapager.pager.metrics.PagerMetrics;
import org.hapager.pager.session.Session;
import org.hapager.pager.session.SessionParameters;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.junit.jupiter.api.Test;

/** Single scenarios of the record table, step by step, each the exact sequence behind a defect once found. */
class RecordTableTest {

    private static final long MS = 1_000_000L;
    private static final long DEADLINE = 1_000 * MS;

    private final Semaphore permits = new Semaphore(16);
    private long now = 1_000 * MS;
    private final RecordTable table = new RecordTable(permits, 16, new PagerMetrics(new SimpleMeterRegistry(), () -> 0), () -> now);

    /**
     * A write blocked behind an earlier write to its page, itself held by a draining server that stays open,
     * must not come back after the deadline abandoned it: its caller was told it failed.
     */
    @Test
    void anAbandonedBlockedWriteIsNeverSent() {
        FakeSession draining = new FakeSession("D");
        table.attach(draining);
        CallbackRecord first = admit(write(0));
        assertEquals(List.of(first.id), draining.sentIds());
        table.onAccepted(draining, first.id);
        draining.serving = false; // draining: it completes what it accepted, takes nothing new

        CallbackRecord second = admit(write(0));
        FakeSession successor = new FakeSession("S");
        table.attach(successor); // a successor serves, then is lost before the first write completes
        table.detach(successor);
        now += DEADLINE + MS;
        table.expire(now - DEADLINE - MS, DEADLINE, "servers D and S");
        assertTrue(second.future.isCompletedExceptionally(), "the blocked write expired");
        table.assertInvariants();

        assertTrue(table.onCompletion(draining, Message.Completion.ok(first.id, first.op.code(), new Outcome.PagesWritten(4096))));
        table.assertInvariants();
        FakeSession next = new FakeSession("N");
        table.attach(next);
        assertEquals(List.of(), next.sentIds(), "an abandoned write was sent after its caller was told it failed");
        assertEquals(0, table.size());
        assertEquals(16, permits.availablePermits());
    }

    /**
     * Buffered writes acknowledged by a server that is then lost are written again to the next one before anything
     * else, in write order, never two copies of one page at once; a barrier sent after them drops the copies, one
     * sent before them does not.
     */
    @Test
    void keptCopiesAreWrittenAgainInOrderBeforeAnythingElseAndDroppedByALaterBarrier() {
        FakeSession a = new FakeSession("A");
        table.attach(a);
        CallbackRecord early = admit(new Op.Sync("v")); // sent before the buffered writes are acknowledged
        CallbackRecord w0 = admit(buffered(0, 1));
        complete(a, early);
        complete(a, w0);
        CallbackRecord w1 = admit(buffered(1, 1));
        CallbackRecord w0again = admit(buffered(0, 2));
        complete(a, w1);
        complete(a, w0again);
        assertEquals(3 * 4096, table.unsyncedBytes(), "the early sync covered none of them");

        CallbackRecord read = admit(new Op.Read("v", 4096, 0, 1));
        table.detach(a); // A's host died: what it acknowledged may be gone
        table.assertInvariants();
        FakeSession b = new FakeSession("B");
        table.attach(b);
        table.assertInvariants();
        List<Message.Request> first = List.copyOf(b.flushed);
        assertEquals(2, first.size(), "page 0's first copy and page 1's, not page 0's second yet: " + first);
        assertEquals(List.of(0L, 1L), first.stream().map(m -> ((Op.Write) m.op()).firstPage()).toList());
        assertEquals(1, ((Op.Write) first.get(0).op()).data().get(0), "the first copy of page 0 first");
        answer(b, first.get(0));
        table.assertInvariants();
        Message.Request second = b.flushed.get(2);
        assertEquals(2, ((Op.Write) second.op()).data().get(0), "then the second copy of page 0");
        answer(b, first.get(1));
        assertEquals(3, b.flushed.size(), "the read waits for the last copy");
        answer(b, second);
        table.assertInvariants();
        assertEquals(read.id, b.flushed.get(3).requestId(), "then the records: the read");
        assertEquals(3 * 4096, table.unsyncedBytes(), "still kept: acknowledged again, not yet durable");

        CallbackRecord sync = admit(new Op.Sync("v"));
        complete(b, read);
        complete(b, sync);
        assertTrue(sync.future.isDone() && !sync.future.isCompletedExceptionally());
        assertEquals(0, table.unsyncedBytes(), "the sync made them durable");
        table.assertInvariants();
    }

    /** A copy that cannot be written again fails the volume's next sync instead of reporting it durable. */
    @Test
    void aCopyTheNextServerRefusesFailsTheNextSync() {
        FakeSession a = new FakeSession("A");
        table.attach(a);
        complete(a, admit(buffered(3, 7)));
        table.detach(a);
        FakeSession b = new FakeSession("B");
        table.attach(b);
        Message.Request replay = b.flushed.get(0);
        table.onCompletion(b, Message.Completion.failed(replay.requestId(), replay.op().code(), org.hapager.wire.Status.IO_ERROR, "disk on fire"));
        table.assertInvariants();
        CallbackRecord sync = admit(new Op.Sync("v"));
        complete(b, sync);
        assertTrue(sync.future.isCompletedExceptionally(), "the sync must not claim the lost write durable");
        PageIoException e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.CompletionException.class,
                sync.future::join).getCause() instanceof PageIoException p ? p : null;
        assertTrue(e != null && e.getMessage().contains("pages 3..3") && e.getMessage().contains("disk on fire"), String.valueOf(e));
        assertEquals(0, table.unsyncedBytes());
    }

    /**
     * The chaos campaign's lost commits: after a long outage the database's lease was late while kept copies were
     * written again. The guard let a page's older copy go, then refused its newer copy "for now", and the newer
     * copy was dropped: the page went back to its older bytes. A copy refused for now must be held, with
     * everything touching its volume, while requests elsewhere (the lease's renewal) go; and written once the
     * guard lets it go.
     */
    @Test
    void aCopyItsGuardRefusesForNowIsHeldAndWrittenOnceTheGuardLetsItGo() {
        FakeSession a = new FakeSession("A");
        table.attach(a);
        boolean[] late = {false};
        CallbackRecord.SendCheck lease = r -> late[0] ? new PageIoException(PageIoException.Kind.UNAVAILABLE, "the lease renewal is late") : null;
        CallbackRecord older = admitGuarded(buffered(5, 1), lease);
        complete(a, older);
        CallbackRecord newer = admitGuarded(buffered(5, 2), lease);
        complete(a, newer);
        table.detach(a);
        FakeSession b = new FakeSession("B");
        table.attach(b);
        assertEquals(List.of(1), fills(b), "the older copy first, alone");

        late[0] = true;
        answer(b, b.flushed.get(0));
        table.assertInvariants();
        assertEquals(2 * 4096, table.unsyncedBytes(), "the newer copy was dropped after the older one was written again");
        CallbackRecord read = admit(new Op.Read("v", 4096, 5, 1));
        CallbackRecord renewal = admit(new Op.Write("lock", 4096, 0, 1, PageChecksums.compute(page(7), 4096, 1), page(7)));
        assertEquals(List.of(renewal.id), b.flushed.subList(1, b.flushed.size()).stream().map(Message.Request::requestId).toList(),
                "only the request on another volume may go while the copies wait");
        table.retryHeldReplay();
        assertEquals(2, b.flushed.size(), "sent while its guard still refuses it");

        late[0] = false;
        complete(b, renewal);
        table.retryHeldReplay();
        table.assertInvariants();
        assertEquals(List.of(1, 2), fills(b).subList(0, 2), "the newer copy is written once the guard lets it go");
        Message.Request newerAgain = b.flushed.get(2);
        assertEquals(2, ((Op.Write) newerAgain.op()).data().get(0));
        answer(b, newerAgain);
        table.assertInvariants();
        assertEquals(read.id, b.flushed.get(3).requestId(), "then the read of its page");
        CallbackRecord sync = admit(new Op.Sync("v"));
        complete(b, read);
        complete(b, sync);
        assertFalse(sync.future.isCompletedExceptionally(), "nothing was lost");
        assertEquals(0, table.unsyncedBytes());
    }

    /**
     * A copy its guard refuses for good (the database's lock was taken over) is dropped, and from then on every
     * request that vouches for its volume's durability fails, not only the next one: a caller that retries a failed
     * sync must never be told the lost page is durable. Forgetting the loss (the guard's holder gave the volume
     * up) ends it.
     */
    @Test
    void aCopyItsGuardRefusesForGoodFailsEveryLaterDurabilityClaimOfItsVolume() {
        FakeSession a = new FakeSession("A");
        table.attach(a);
        boolean[] fenced = {false};
        complete(a, admitGuarded(buffered(5, 9), r -> fenced[0]
                ? new PageIoException(PageIoException.Kind.REJECTED, "the database's lock was taken over") : null));
        fenced[0] = true;
        table.detach(a);
        FakeSession b = new FakeSession("B");
        table.attach(b);
        table.assertInvariants();
        assertEquals(List.of(), b.flushed, "the refused copy was sent");
        assertEquals(0, table.unsyncedBytes());
        for (Op claim : List.of(new Op.Sync("v"), new Op.Sync("v"), write(6), new Op.SetLength("v", 8 * 4096))) {
            CallbackRecord r = admit(claim);
            complete(b, r);
            assertTrue(r.future.isCompletedExceptionally(), claim + " claimed the volume durable after its write was lost");
        }
        CallbackRecord elsewhere = admit(new Op.Sync("w"));
        complete(b, elsewhere);
        assertFalse(elsewhere.future.isCompletedExceptionally(), "another volume's sync failed");

        table.forgetLostWrites("");
        CallbackRecord sync = admit(new Op.Sync("v"));
        complete(b, sync);
        assertFalse(sync.future.isCompletedExceptionally(), "the loss was forgotten with its guard");
    }

    /** A renamed volume's copies follow it; a deleted volume's are dropped. */
    @Test
    void copiesFollowARenameAndLeaveWithADelete() {
        FakeSession a = new FakeSession("A");
        table.attach(a);
        complete(a, admit(buffered(0, 1)));
        complete(a, admit(new Op.Rename("v", "w", false)));
        CallbackRecord other = admit(new Op.Write("x", 4096, 0, 1, PageChecksums.compute(ByteBuffer.allocate(4096), 4096, 1),
                ByteBuffer.allocate(4096), false));
        complete(a, other);
        complete(a, admit(new Op.Delete("x")));
        table.detach(a);
        FakeSession b = new FakeSession("B");
        table.attach(b);
        assertEquals(List.of("w"), b.flushed.stream().map(m -> m.op().volume()).toList());
        answer(b, b.flushed.get(0));
        table.assertInvariants();
    }

    private void complete(FakeSession s, CallbackRecord r) {
        table.onCompletion(s, Message.Completion.ok(r.id, r.op.code(), outcomeOf(r.op)));
        table.assertInvariants();
    }

    private void answer(FakeSession s, Message.Request m) {
        table.onCompletion(s, Message.Completion.ok(m.requestId(), m.op().code(), outcomeOf(m.op())));
    }

    private static Outcome outcomeOf(Op op) {
        return switch (op.code()) {
            case WRITE, WRITE_BUFFERED -> new Outcome.PagesWritten(4096);
            case READ -> {
                ByteBuffer data = ByteBuffer.allocate(4096);
                yield new Outcome.PagesRead(4096, PageChecksums.compute(data, 4096, 1), data);
            }
            default -> Outcome.Done.INSTANCE;
        };
    }

    private static Op buffered(long page, int fill) {
        ByteBuffer data = ByteBuffer.allocate(4096);
        data.put(0, (byte) fill);
        return new Op.Write("v", 4096, page, 1, PageChecksums.compute(data, 4096, 1), data, false);
    }

    /**
     * A compare-and-write whose server was lost after accepting it is reissued; the next server finds the page
     * already holding its new bytes (the first attempt wrote them) and miscompares: that counts as written.
     */
    @Test
    void aReissuedCompareAndWriteThatFindsItsOwnBytesCountsAsWritten() throws Exception {
        FakeSession lost = new FakeSession("L");
        table.attach(lost);
        CallbackRecord cas = admit(compareAndWrite(page(0), page(7)));
        table.onAccepted(lost, cas.id);
        table.detach(lost);
        FakeSession next = new FakeSession("N");
        table.attach(next);
        assertEquals(List.of(cas.id), next.sentIds(), "reissued");
        table.onCompletion(next, Message.Completion.ok(cas.id, cas.op.code(), miscompare(page(7))));
        table.assertInvariants();
        assertTrue(((Outcome.Compared) cas.future.get()).written(), "its first attempt wrote the page");
    }

    /** The same miscompare on a first attempt, or on other bytes, stays a miscompare. */
    @Test
    void aMiscompareIsOnlyTakenForTheFirstAttemptsWriteAfterAReissue() throws Exception {
        FakeSession server = new FakeSession("S");
        table.attach(server);
        CallbackRecord first = admit(compareAndWrite(page(0), page(7)));
        table.onCompletion(server, Message.Completion.ok(first.id, first.op.code(), miscompare(page(7))));
        assertFalse(((Outcome.Compared) first.future.get()).written(), "not reissued: someone else wrote those bytes");

        CallbackRecord other = admit(compareAndWrite(page(0), page(7)));
        table.onAccepted(server, other.id);
        table.detach(server);
        FakeSession next = new FakeSession("N");
        table.attach(next);
        table.onCompletion(next, Message.Completion.ok(other.id, other.op.code(), miscompare(page(9))));
        Outcome.Compared got = (Outcome.Compared) other.future.get();
        assertFalse(got.written(), "reissued, but the page holds other bytes");
        assertEquals(page(9), got.current());
        table.assertInvariants();
    }

    private static ByteBuffer page(int fill) {
        ByteBuffer b = ByteBuffer.allocate(4096);
        while (b.hasRemaining()) {
            b.put((byte) fill);
        }
        return b.clear();
    }

    private static Op compareAndWrite(ByteBuffer expected, ByteBuffer data) {
        return new Op.CompareAndWrite("v", 4096, 0, PageChecksums.compute(expected, 4096, 1)[0], expected,
                PageChecksums.compute(data, 4096, 1)[0], data);
    }

    private static Outcome.Compared miscompare(ByteBuffer current) {
        return new Outcome.Compared(false, 4096, PageChecksums.compute(current, 4096, 1)[0], current);
    }

    private CallbackRecord admitGuarded(Op op, CallbackRecord.SendCheck guard) {
        permits.acquireUninterruptibly();
        CallbackRecord r = new CallbackRecord(op, null, guard);
        table.admit(r);
        table.sendReady();
        table.assertInvariants();
        return r;
    }

    private static List<Integer> fills(FakeSession s) {
        return s.flushed.stream().filter(m -> m.op().code() == org.hapager.wire.OpCode.WRITE_BUFFERED)
                .map(m -> (int) ((Op.Write) m.op()).data().get(0)).toList();
    }

    private CallbackRecord admit(Op op) {
        permits.acquireUninterruptibly();
        CallbackRecord r = new CallbackRecord(op, null);
        table.admit(r);
        table.sendReady();
        table.assertInvariants();
        return r;
    }

    private static Op write(long page) {
        ByteBuffer data = ByteBuffer.allocate(4096);
        return new Op.Write("v", 4096, page, 1, PageChecksums.compute(data, 4096, 1), data);
    }

    /** A session that records what was flushed to it. */
    private static final class FakeSession implements Session {
        final String name;
        final List<Message.Request> flushed = new ArrayList<>();
        final List<Message.Request> unflushed = new ArrayList<>();
        boolean serving = true;

        FakeSession(String name) {
            this.name = name;
        }

        List<Long> sentIds() {
            return flushed.stream().map(Message.Request::requestId).toList();
        }

        @Override
        public boolean isServing() {
            return serving;
        }

        @Override
        public SessionParameters parameters() {
            return new SessionParameters(name, 1, 1, 500 * MS, 8);
        }

        @Override
        public void send(Message.Request request) {
            unflushed.add(request);
        }

        @Override
        public void flush() {
            flushed.addAll(unflushed);
            unflushed.clear();
        }

        @Override
        public String toString() {
            return "fake server " + name;
        }
    }
}
