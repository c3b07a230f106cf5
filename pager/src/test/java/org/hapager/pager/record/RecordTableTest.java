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
import org.hapager.pager.session.ServerConnection;
import org.hapager.pager.session.Session;
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
        public ServerConnection.SessionParameters parameters() {
            return new ServerConnection.SessionParameters(name, 1, 1, 500 * MS, 8);
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
