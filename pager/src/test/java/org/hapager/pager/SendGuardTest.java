package org.hapager.pager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.hapager.testkit.ClassFixture;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link SendGuard}s and send deadlines against real page servers: a refused request is never sent, not even
 * when it waited for a server that came back after its deadline (the way the Derby lock stops a JVM whose
 * lease lapsed during an outage from writing when the servers return).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SendGuardTest {

    static final List<String> NO_WARMUP = List.of("--warmup-ops", "0");
    static final Volume PAGES = Volume.of("sendguard/pages", 4096);

    @RegisterExtension
    static final ClassFixture<ServerPair> servers = ClassFixture.of(dir -> new ServerPair(dir, NO_WARMUP, NO_WARMUP));

    @Test
    @Order(1)
    void aGuardRefusesChangesUnderItsDirectoryOnlyAndOnlyWhileRegistered() throws Exception {
        PagerClient client = servers.get().client(Duration.ofSeconds(2), Duration.ofSeconds(30)); // a long lease: a busy machine
        client.create("guarded/a", false).get(10, TimeUnit.SECONDS);
        client.create("open/a", false).get(10, TimeUnit.SECONDS);
        AtomicReference<String> asked = new AtomicReference<>();
        PageIoException no = new PageIoException(PageIoException.Kind.REJECTED, "fenced");
        SendGuard.Registration registration = client.guard("guarded", (name, request) -> {
            asked.set(request + " " + name);
            return no;
        });

        PageIoException refused = failure(client.write(Volume.of("guarded/a", 4096), 0, page(7)));
        assertSame(no, refused, "the guard's own failure, unchanged");
        assertEquals("write guarded/a", asked.get());
        assertSame(no, failure(client.setLength("guarded/a", 0)));
        assertSame(no, failure(client.rename("open/a", "guarded/b", false)), "a rename into the directory is a change of it");
        assertEquals(0, client.read(Volume.of("guarded/a", 4096), 0, 1).get(10, TimeUnit.SECONDS).data().getInt(0),
                "reads are not guarded, and nothing was written");
        client.write(Volume.of("open/a", 4096), 0, page(8)).get(10, TimeUnit.SECONDS); // outside: not asked
        client.create("guardedness/a", false).get(10, TimeUnit.SECONDS); // a name that only starts alike
        client.write(Volume.of("guardedness/a", 4096), 0, page(8)).get(10, TimeUnit.SECONDS);

        registration.close();
        client.write(Volume.of("guarded/a", 4096), 0, page(9)).get(10, TimeUnit.SECONDS);
        assertEquals(9, client.read(Volume.of("guarded/a", 4096), 0, 1).get(10, TimeUnit.SECONDS).data().getInt(0));
        client.checkInvariants();
    }

    @Test
    @Order(2)
    void aWriteWaitingForAServerIsNotSentAfterItsDeadlineAndWritesBehindItStillGo() throws Exception {
        ServerPair pair = servers.get();
        PagerClient client = pair.client(Duration.ofSeconds(2), Duration.ofSeconds(30));
        client.create(PAGES.name(), false).get(10, TimeUnit.SECONDS);
        client.write(PAGES, 0, page(1)).get(10, TimeUnit.SECONDS);
        pair.primary.kill9();
        pair.secondary.kill9();

        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        CompletableFuture<Long> late = client.write(PAGES, 0, page(2), deadline);
        CompletableFuture<Long> behind = client.write(PAGES, 0, page(3)); // same page: ordered after the late one
        while (System.nanoTime() - deadline < 0) { // the servers stay away past the deadline
            java.util.concurrent.locks.LockSupport.parkNanos(deadline - System.nanoTime());
        }
        restart();

        PageIoException refused = failure(late);
        assertEquals(PageIoException.Kind.UNAVAILABLE, refused.kind());
        assertTrue(refused.getMessage().contains("was not sent: its send deadline passed"), refused.getMessage());
        behind.get(20, TimeUnit.SECONDS);
        assertEquals(3, client.read(PAGES, 0, 1).get(10, TimeUnit.SECONDS).data().getInt(0));
        client.checkInvariants();
    }

    private static void restart() {
        ServerPair pair = servers.get();
        pair.restart(pair.primary, NO_WARMUP);
        pair.restart(pair.secondary, NO_WARMUP);
    }

    private static ByteBuffer page(int value) {
        ByteBuffer b = ByteBuffer.allocate(4096);
        b.putInt(0, value);
        return b;
    }

    private static PageIoException failure(CompletableFuture<?> f) throws Exception {
        try {
            f.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return assertInstanceOf(PageIoException.class, e.getCause());
        }
        throw new AssertionError("expected a failure, got " + f.get());
    }
}
