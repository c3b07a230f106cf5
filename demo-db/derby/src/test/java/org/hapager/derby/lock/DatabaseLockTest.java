package org.hapager.derby.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.hapager.derby.lock.LockRecord.State;
import org.hapager.pager.PagerClient;
import org.hapager.pager.ServerPair;
import org.hapager.pager.Volume;
import org.hapager.server.process.PageServerProcess;
import org.hapager.testkit.Await;
import org.hapager.testkit.ClassFixture;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lock against two real page-server processes, shared by the tests (starting them is the slow part);
 * each {@link PagerClient} stands for one JVM. Expiries are short (1 s) to keep the tests fast. Nothing waits by
 * sleeping: every wait is the lock's own, or a bounded wait for a condition. The two tests that kill or
 * freeze a server run last, and start a killed server again first.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SeedExtension.class)
class DatabaseLockTest {

    static final LockConfig ONE_SECOND = LockConfig.ofExpiry(Duration.ofSeconds(1));

    /** Page servers without their warm-up: they start faster, and nothing here measures their speed. */
    static final List<String> NO_WARMUP = List.of("--warmup-ops", "0");

    @RegisterExtension
    static final ClassFixture<ServerPair> servers = ClassFixture.of(dir -> new ServerPair(dir, NO_WARMUP, NO_WARMUP));

    @Test
    void firstGetsItSecondIsRefusedWhileItRenewsAndGetsItAfterRelease() throws Exception {
        PagerClient jvm1 = servers.get().client();
        PagerClient jvm2 = servers.get().client();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        List<String> losses = new ArrayList<>();
        DatabaseLock first = new DatabaseLock(jvm1, "basic/dbex.lck", ONE_SECOND, meters, (l, why) -> losses.add(why));
        DatabaseLock second = new DatabaseLock(jvm2, "basic/dbex.lck", ONE_SECOND, null);

        assertFalse(first.isHeld());
        assertTrue(first.tryAcquire(), first.refusal());
        assertTrue(first.isHeld());
        assertTrue(first.tryAcquire(), "acquiring again while held is a no-op");
        assertEquals("", first.refusal());
        LockRecord onPage = record(jvm2, "basic/dbex.lck");
        assertEquals(first.ownerId(), onPage.owner());
        assertEquals(State.HELD, onPage.state());
        assertTrue(onPage.description().contains("pid " + ProcessHandle.current().pid()), onPage.description());

        long start = System.nanoTime();
        assertFalse(second.tryAcquire(), "a live owner renews, so the second JVM is refused");
        long refusedAfter = System.nanoTime() - start;
        assertFalse(second.isHeld());
        assertTrue(second.refusal().contains(first.ownerId().toString()), second.refusal());
        assertTrue(second.refusal().contains("alive"), second.refusal());
        assertTrue(refusedAfter < ONE_SECOND.deadAfter().toNanos(), "refused as soon as the record changed, not after outwaiting it");
        assertTrue(first.isHeld(), "refusing touched nothing");
        assertTrue(meters.get("hapager.derby.lock.renewals").counter().count() >= 1);

        first.release();
        assertFalse(first.isHeld());
        first.release(); // idempotent
        LockRecord released = record(jvm2, "basic/dbex.lck");
        assertEquals(State.RELEASED, released.state());
        assertEquals(first.ownerId(), released.owner());

        start = System.nanoTime();
        assertTrue(second.tryAcquire(), second.refusal());
        long tookNanos = System.nanoTime() - start;
        assertTrue(tookNanos < ONE_SECOND.deadAfter().toNanos(), "a released lock is taken without outwaiting the expiry ("
                + TimeUnit.NANOSECONDS.toMillis(tookNanos) + " ms)");
        assertTrue(second.isHeld());
        assertTrue(record(jvm1, "basic/dbex.lck").counter() > released.counter(), "counters keep growing across owners");

        assertFalse(first.tryAcquire(), "and now the first is refused");
        assertTrue(first.refusal().contains(second.ownerId().toString()), first.refusal());
        second.release();
        assertTrue(first.tryAcquire(), "the same lock object can acquire again: " + first.refusal());
        first.release();
        assertEquals(List.of(), losses);
        assertEquals(0.0, meters.get("hapager.derby.lock.lost").counter().count());
    }

    /**
     * A free lock, blank or RELEASED, is taken by one compare-and-write, without the settle delay: with a
     * settle delay of half an hour (an io timeout of a quarter) the acquisitions below end well within the
     * test's timeout, which they would not if anything waited for it.
     */
    @Test
    void aFreeLockIsTakenWithoutASettleDelay() throws Exception {
        LockConfig slowSettle = LockConfig.ofExpiry(Duration.ofHours(1)).withSettleDelay(Duration.ofMinutes(30));
        PagerClient jvm1 = servers.get().client();
        PagerClient jvm2 = servers.get().client();
        DatabaseLock first = new DatabaseLock(jvm1, "fast/dbex.lck", slowSettle, null);
        DatabaseLock second = new DatabaseLock(jvm2, "fast/dbex.lck", slowSettle, null);

        assertTrue(first.tryAcquire(), "a blank page: " + first.refusal());
        assertEquals(first.ownerId(), record(jvm2, "fast/dbex.lck").owner());
        first.release();
        LockRecord released = record(jvm2, "fast/dbex.lck");
        assertEquals(State.RELEASED, released.state());

        assertTrue(second.tryAcquire(), "a RELEASED page: " + second.refusal());
        LockRecord taken = record(jvm1, "fast/dbex.lck");
        assertEquals(second.ownerId(), taken.owner());
        assertEquals(State.HELD, taken.state());
        assertTrue(taken.counter() > released.counter());
        assertTrue(second.isHeld());
        second.release();
        assertTrue(first.tryAcquire(), "and taken again at once once released: " + first.refusal());
        first.release();
    }

    /**
     * A RELEASED written over a record that is no longer the releaser's own writes nothing: a compare-and-write
     * over its own latest record cannot free the page under another holder.
     */
    @Test
    void aReleaseNeverFreesTheLockUnderAnotherHolder() throws Exception {
        PagerClient jvm1 = servers.get().client();
        PagerClient jvm2 = servers.get().client();
        // a one-minute expiry renews after 15 s: the renewal thread does not see the intruder before the release
        DatabaseLock first = new DatabaseLock(jvm1, "overwritten-release/dbex.lck", LockConfig.ofExpiry(Duration.ofMinutes(1)), null);
        assertTrue(first.tryAcquire(), first.refusal());
        Volume v = Volume.of("overwritten-release/dbex.lck", LockRecord.PAGE_SIZE);
        LockRecord intruder = new LockRecord(State.HELD, UUID.randomUUID(), 1_000, "another JVM");
        jvm2.write(v, 0, intruder.encode(LockRecord.PAGE_SIZE)).get(10, TimeUnit.SECONDS);
        first.release();
        assertEquals(intruder.owner(), record(jvm2, "overwritten-release/dbex.lck").owner(),
                "the release left the other record in place");
        assertEquals(State.HELD, record(jvm2, "overwritten-release/dbex.lck").state());
    }

    @Test
    void aCrashedHoldersLockFreesItselfAfterItsExpiry() throws Exception {
        PagerClient crashing = servers.get().client();
        PagerClient jvm2 = servers.get().client();
        DatabaseLock first = new DatabaseLock(crashing, "crash/dbex.lck", ONE_SECOND, null);
        DatabaseLock second = new DatabaseLock(jvm2, "crash/dbex.lck", ONE_SECOND, null);
        assertTrue(first.tryAcquire(), first.refusal());

        crashing.close(); // the JVM dies: no more renewals, no RELEASED
        long start = System.nanoTime();
        assertTrue(second.tryAcquire(), second.refusal());
        long took = System.nanoTime() - start;
        assertTrue(took >= ONE_SECOND.deadAfter().toNanos(), "the record had to stay unchanged for expiry + margin, took "
                + TimeUnit.NANOSECONDS.toMillis(took) + " ms");
        assertFalse(first.isHeld(), "the crashed side's own view: its renewals failed");
        assertEquals(second.ownerId(), record(jvm2, "crash/dbex.lck").owner());
        second.release();
    }

    @Test
    void aHolderWhosePageIsOverwrittenLearnsItLostTheLock() throws Exception {
        PagerClient jvm1 = servers.get().client();
        PagerClient intruder = servers.get().client();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        CountDownLatch lost = new CountDownLatch(1);
        AtomicReference<String> reason = new AtomicReference<>();
        DatabaseLock holder = new DatabaseLock(jvm1, "overwritten/dbex.lck", ONE_SECOND, meters, (l, why) -> {
            reason.set(why);
            lost.countDown();
        });
        assertTrue(holder.tryAcquire(), holder.refusal());
        LockRecord foreign = new LockRecord(State.HELD, UUID.randomUUID(), 1_000, "host elsewhere pid 1");
        intruder.write(Volume.of("overwritten/dbex.lck", LockRecord.PAGE_SIZE), 0, foreign.encode(LockRecord.PAGE_SIZE))
                .get(10, TimeUnit.SECONDS);

        assertTrue(lost.await(10, TimeUnit.SECONDS), "the next renewal notices");
        assertFalse(holder.isHeld());
        assertTrue(reason.get().contains("overwritten") && reason.get().contains("host elsewhere pid 1"), reason.get());
        assertEquals(reason.get(), holder.lossReason());
        assertEquals(1.0, meters.get("hapager.derby.lock.lost").counter().count());
        assertEquals(foreign, record(intruder, "overwritten/dbex.lck"), "after a loss the holder writes nothing");
        assertTrue(holder.isFenced());
        WriteFence fence = new WriteFence(holder, "/test/overwritten", TimeUnit.SECONDS.toNanos(10));
        DatabaseFencedException refused = assertInstanceOf(DatabaseFencedException.class,
                fence.refusal("overwritten/seg0/c10.dat", "write"), "the pager is told not to send the database's writes");
        assertTrue(refused.getMessage().contains("database lock of /test/overwritten was taken over by host elsewhere pid 1")
                && refused.getMessage().contains("this JVM is fenced"), refused.getMessage());
        assertEquals(null, fence.refusal("overwritten/dbex.lck", "write"), "the lock volume is the lock's own business");
        assertThrows(DatabaseFencedException.class, () -> fence.awaitWritable("write of overwritten/log/log1.dat"));
        holder.release();
        assertEquals(foreign, record(intruder, "overwritten/dbex.lck"), "not even RELEASED");
        assertTrue(holder.isFenced(), "fenced outlives the release: Derby's shutdown writes of the database must not go out");
        assertInstanceOf(DatabaseFencedException.class, fence.refusal("overwritten/seg0/c10.dat", "write"));
    }

    @Test
    void anUnreadablePageIsOutwaitedLikeADeadHolderAndANewerFormatIsLeftAlone() throws Exception {
        PagerClient jvm = servers.get().client();
        Volume garbage = Volume.of("garbage/dbex.lck", LockRecord.PAGE_SIZE);
        jvm.create(garbage.name(), false).get(10, TimeUnit.SECONDS);
        ByteBuffer junk = ByteBuffer.allocate(LockRecord.PAGE_SIZE);
        new Random(7).nextBytes(junk.array());
        jvm.write(garbage, 0, junk).get(10, TimeUnit.SECONDS);
        DatabaseLock lock = new DatabaseLock(jvm, garbage.name(), ONE_SECOND, null);
        long start = System.nanoTime();
        assertTrue(lock.tryAcquire(), lock.refusal());
        assertTrue(System.nanoTime() - start >= ONE_SECOND.deadAfter().toNanos());
        lock.release();

        Volume newer = Volume.of("newer/dbex.lck", LockRecord.PAGE_SIZE);
        jvm.create(newer.name(), false).get(10, TimeUnit.SECONDS);
        ByteBuffer page = new LockRecord(State.HELD, UUID.randomUUID(), 5, "future").encode(LockRecord.PAGE_SIZE);
        page.putShort(4, (short) 9);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(page.array(), 0, 34 + 6);
        page.putInt(34 + 6, (int) crc.getValue());
        jvm.write(newer, 0, page).get(10, TimeUnit.SECONDS);
        DatabaseLock other = new DatabaseLock(jvm, newer.name(), ONE_SECOND, null);
        assertThrows(LockRecord.UnsupportedFormatException.class, other::tryAcquire);
        assertFalse(other.isHeld());
    }

    @Test
    void anInterruptGivesUpCleanlyAndKeepsTheFlag() throws Exception {
        PagerClient jvm = servers.get().client();
        Volume v = Volume.of("interrupt/dbex.lck", LockRecord.PAGE_SIZE);
        jvm.create(v.name(), false).get(10, TimeUnit.SECONDS);
        LockRecord stale = new LockRecord(State.HELD, UUID.randomUUID(), 3, "host gone pid 9");
        jvm.write(v, 0, stale.encode(LockRecord.PAGE_SIZE)).get(10, TimeUnit.SECONDS);
        SignallingClock clock = new SignallingClock();
        DatabaseLock lock = new DatabaseLock(jvm, v.name(), LockConfig.ofExpiry(Duration.ofSeconds(30)), new SimpleMeterRegistry(),
                null, clock);
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        CompletableFuture<Boolean> flag = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(lock.tryAcquire()); // outwaits the stale record for 36 s unless interrupted
                flag.complete(Thread.currentThread().isInterrupted());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "acquirer");
        t.start();
        // interrupt it while it outwaits the record (waiting between two reads), not before it started
        assertTrue(clock.waiting.await(10, TimeUnit.SECONDS), "the acquirer never started outwaiting the record");
        t.interrupt();
        assertFalse(result.get(10, TimeUnit.SECONDS));
        assertTrue(flag.get(10, TimeUnit.SECONDS), "interrupt flag restored");
        assertTrue(lock.refusal().contains("interrupted while trying to observe the lock page"), lock.refusal());
        assertFalse(lock.isHeld());
        assertEquals(stale, record(jvm, v.name()), "nothing was written");
    }

    /**
     * Several JVMs race for a free lock, started together with seeded jitter of a few milliseconds, round after
     * round: never more than one gets it. The winner releases it, so each round starts from RELEASED.
     */
    @Test
    void racingAcquirersNeverBothHoldTheLock(Seed seed) throws Exception {
        Random random = seed.random();
        int racers = 3;
        int rounds = 15;
        LockConfig config = ONE_SECOND.withRenewalInterval(Duration.ofMillis(100));
        List<DatabaseLock> locks = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            locks.add(new DatabaseLock(servers.get().client(), "race/dbex.lck", config, null));
        }
        PagerClient observer = servers.get().client();
        ScheduledExecutorService starter = Executors.newScheduledThreadPool(racers);
        int decided = 0;
        try {
            for (int round = 0; round < rounds; round++) {
                List<CompletableFuture<Boolean>> results = new ArrayList<>();
                for (DatabaseLock lock : locks) {
                    CompletableFuture<Boolean> r = new CompletableFuture<>();
                    results.add(r);
                    starter.schedule(() -> {
                        try {
                            r.complete(lock.tryAcquire());
                        } catch (Throwable e) {
                            r.completeExceptionally(e);
                        }
                    }, random.nextInt(3_000), TimeUnit.MICROSECONDS);
                }
                List<DatabaseLock> winners = new ArrayList<>();
                for (int i = 0; i < racers; i++) {
                    if (results.get(i).get(30, TimeUnit.SECONDS)) {
                        winners.add(locks.get(i));
                    }
                }
                assertTrue(winners.size() <= 1, "round " + round + ": " + winners.size() + " holders: " + winners);
                if (winners.size() == 1) {
                    decided++;
                    DatabaseLock winner = winners.get(0);
                    assertTrue(winner.isHeld());
                    assertEquals(winner.ownerId(), record(observer, "race/dbex.lck").owner(), "round " + round);
                    for (DatabaseLock l : locks) {
                        if (l != winner) {
                            assertFalse(l.isHeld());
                            assertFalse(l.refusal().isEmpty());
                        }
                    }
                    winner.release();
                }
            }
        } finally {
            starter.shutdownNow();
            locks.forEach(DatabaseLock::release);
        }
        System.out.println("DatabaseLockTest.racingAcquirers: " + decided + " of " + rounds + " rounds had a winner");
        assertTrue(decided > 0, "no round had a winner");
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void theHolderKeepsTheLockAcrossAKill9OfItsPageServer() throws Exception {
        bothServersAlive();
        PagerClient jvm1 = servers.get().client();
        PagerClient jvm2 = servers.get().client();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        List<String> losses = new ArrayList<>();
        // the stall of a kill -9 failover is well under a second; a 3 s expiry tolerates about 2 s
        LockConfig config = LockConfig.ofExpiry(Duration.ofSeconds(3)).withRenewalInterval(Duration.ofMillis(250));
        DatabaseLock holder = new DatabaseLock(jvm1, "failover/dbex.lck", config, meters, (l, why) -> losses.add(why));
        assertTrue(holder.tryAcquire(), holder.refusal());
        Counter renewals = meters.get("hapager.derby.lock.renewals").counter();
        Await.until("two renewals", () -> renewals.count() >= 2);

        InetSocketAddress serving = jvm1.currentServer();
        PageServerProcess victim = servers.get().at(serving);
        assertNotNull(victim, "serving server " + serving);
        victim.kill9();
        Await.until("the holder's client failing over", () -> {
            InetSocketAddress now = jvm1.currentServer();
            return now != null && !now.equals(serving);
        });
        double atFailover = renewals.count();
        Await.until("three renewals through the other server", () -> renewals.count() >= atFailover + 3);

        assertTrue(holder.isHeld(), "lost: " + holder.lossReason());
        assertEquals(List.of(), losses);
        assertEquals(0.0, meters.get("hapager.derby.lock.lost").counter().count());
        DatabaseLock second = new DatabaseLock(jvm2, "failover/dbex.lck", config, null);
        assertFalse(second.tryAcquire(), "the holder is alive and renewing after the failover");
        assertTrue(second.refusal().contains(holder.ownerId().toString()), second.refusal());

        holder.release();
        assertTrue(second.tryAcquire(), second.refusal());
        second.release();
    }

    /**
     * Issue 13, defect 6, at the lock's level: a stall longer than the expiry used to lose the lock for good.
     * Now it suspends it (writes stop), and once a server answers and the page still holds the holder's record,
     * the holder claims it again and holds it on; nobody is told of a loss, and a second JVM is still refused.
     */
    @Test
    @Order(Integer.MAX_VALUE - 1)
    void aFreezeLongerThanTheExpirySuspendsTheLockAndTheHolderResumesItWhenItsRecordIsUnchanged() throws Exception {
        bothServersAlive();
        PagerClient jvm1 = servers.get().client();
        PagerClient jvm2 = servers.get().client();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        // SIGSTOP: the pager notices after its lock (500 ms), the other server fences the frozen one after
        // its fence timeout (500 ms): a stall of at least a second, against a lock expiry of 500 ms
        LockConfig config = LockConfig.ofExpiry(Duration.ofMillis(500));
        List<String> losses = new java.util.concurrent.CopyOnWriteArrayList<>();
        DatabaseLock holder = new DatabaseLock(jvm1, "frozen/dbex.lck", config, meters, (l, why) -> losses.add(why));
        assertTrue(holder.tryAcquire(), holder.refusal());
        assertEquals(jvm1.currentServer(), jvm2.currentServer(), "both JVMs use the primary");
        Counter renewals = meters.get("hapager.derby.lock.renewals").counter();

        PageServerProcess victim = servers.get().at(jvm1.currentServer());
        victim.sigstop();
        Await.until("the holder suspending its lock", holder::isSuspended);
        assertFalse(holder.isHeld());
        assertFalse(holder.isWritable(), "no write of the database while suspended");
        assertTrue(holder.suspendReason().contains("expiry"), holder.suspendReason());
        assertTrue(victim.awaitExit(Duration.ofSeconds(20)), "the frozen server was fenced");

        Await.until("the holder resuming its lock", holder::isHeld);
        double atResume = renewals.count();
        Await.until("two renewals after resuming", () -> renewals.count() >= atResume + 2);
        assertTrue(holder.isHeld());
        assertEquals(List.of(), losses, "a lapse that resumes is no loss");
        assertEquals(0.0, meters.get("hapager.derby.lock.lost").counter().count());
        assertTrue(meters.get("hapager.derby.lock.suspended").counter().count() >= 1);
        assertEquals(holder.ownerId(), record(jvm2, "frozen/dbex.lck").owner());

        DatabaseLock second = new DatabaseLock(jvm2, "frozen/dbex.lck", config, null);
        assertFalse(second.tryAcquire(), "the resumed holder renews: a second JVM is refused");
        holder.release();
        assertTrue(second.tryAcquire(), second.refusal());
        second.release();
    }

    /** The system's clock, whose waits first tell the test that the acquirer started outwaiting a record. */
    private static final class SignallingClock implements LockClock {
        final CountDownLatch waiting = new CountDownLatch(1);

        @Override
        public long nanoTime() {
            return SYSTEM.nanoTime();
        }

        @Override
        public void parkUntil(long deadline) throws InterruptedException {
            waiting.countDown();
            SYSTEM.parkUntil(deadline);
        }
    }

    /** Starts a server that an earlier test killed (or had fenced) again, on its port, without warm-up. */
    private static void bothServersAlive() {
        ServerPair pair = servers.get();
        for (PageServerProcess server : new PageServerProcess[] {pair.primary, pair.secondary}) {
            if (!server.isAlive()) {
                pair.restart(server, NO_WARMUP);
            }
        }
    }

    /** The record on page 0 of {@code volume}, read through {@code client}. */
    static LockRecord record(PagerClient client, String volume) throws Exception {
        ByteBuffer page = client.read(Volume.of(volume, LockRecord.PAGE_SIZE), 0, 1).get(10, TimeUnit.SECONDS).data();
        return assertInstanceOf(LockRecord.Valid.class, LockRecord.decode(page)).record();
    }
}
