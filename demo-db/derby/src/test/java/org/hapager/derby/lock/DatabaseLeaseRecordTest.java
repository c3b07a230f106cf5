package org.hapager.derby.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.hapager.derby.lock.LeaseRecord.State;
import org.junit.jupiter.api.Test;

/** The lock page codec and the lease's configuration rules; no servers. */
class DatabaseLeaseRecordTest {

    @Test
    void recordsRoundTripAndEveryFieldMatters() throws Exception {
        LeaseRecord r = new LeaseRecord(State.HELD, UUID.randomUUID(), 42, "host h pid 7");
        ByteBuffer page = r.encode(LeaseRecord.PAGE_SIZE);
        assertEquals(0, page.position());
        assertEquals(LeaseRecord.PAGE_SIZE, page.limit());
        assertEquals(new LeaseRecord.Valid(r), LeaseRecord.decode(page));
        assertEquals(new LeaseRecord.Valid(r), LeaseRecord.decode(r.encode(4096)), "a larger page holds the same record");
        assertEquals(0, page.position(), "decode leaves the buffer alone");

        LeaseRecord released = r.next(State.RELEASED);
        assertEquals(43, released.counter());
        assertEquals(r.owner(), released.owner());
        assertEquals(new LeaseRecord.Valid(released), LeaseRecord.decode(released.encode(LeaseRecord.PAGE_SIZE)));
        assertTrue(!page.equals(r.next(State.HELD).encode(LeaseRecord.PAGE_SIZE)), "the next record differs in its bytes");
    }

    @Test
    void zerosAreBlankAndAnythingElseIsUnreadableNotAnError() throws Exception {
        assertInstanceOf(LeaseRecord.Blank.class, LeaseRecord.decode(ByteBuffer.allocate(LeaseRecord.PAGE_SIZE)));

        ByteBuffer garbage = ByteBuffer.allocate(LeaseRecord.PAGE_SIZE);
        garbage.put(0, "not a lock".getBytes(StandardCharsets.US_ASCII));
        assertTrue(((LeaseRecord.Unreadable) LeaseRecord.decode(garbage)).why().contains("magic"));

        // flip each byte of the record in turn: never a different valid record
        LeaseRecord r = new LeaseRecord(State.HELD, new UUID(1, 2), 3, "host h pid 4");
        ByteBuffer good = r.encode(LeaseRecord.PAGE_SIZE);
        int recordBytes = 34 + "host h pid 4".length() + 4;
        Random random = new Random(1);
        for (int i = 0; i < recordBytes; i++) {
            ByteBuffer bad = ByteBuffer.allocate(LeaseRecord.PAGE_SIZE).put(good.duplicate()).clear();
            bad.put(i, (byte) (bad.get(i) ^ (1 + random.nextInt(255))));
            LeaseRecord.Content c = LeaseRecord.decode(bad);
            assertInstanceOf(LeaseRecord.Unreadable.class, c, "byte " + i + " flipped: " + c);
        }
    }

    @Test
    void aNewerFormatIsRefusedNotOverwritten() {
        ByteBuffer page = new LeaseRecord(State.HELD, new UUID(1, 2), 3, "x").encode(LeaseRecord.PAGE_SIZE);
        page.putShort(4, (short) 2);
        int length = 34 + 1;
        CRC32C crc = new CRC32C();
        crc.update(page.array(), 0, length);
        page.putInt(length, (int) crc.getValue());
        LeaseRecord.UnsupportedFormatException e = assertThrows(LeaseRecord.UnsupportedFormatException.class,
                () -> LeaseRecord.decode(page));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
    }

    @Test
    void longDescriptionsAreCutAtACharacterBoundary() throws Exception {
        String s = "é".repeat(300);
        LeaseRecord r = new LeaseRecord(State.HELD, new UUID(0, 1), 1, s);
        assertEquals(127, r.description().length());
        assertEquals(new LeaseRecord.Valid(r), LeaseRecord.decode(r.encode(LeaseRecord.PAGE_SIZE)));
        assertThrows(IllegalArgumentException.class, () -> r.encode(256));
    }

    @Test
    void defaultsAndDerivedTimes() {
        LeaseConfig d = LeaseConfig.defaults();
        assertEquals(Duration.ofSeconds(10), d.lease());
        assertEquals(Duration.ofMillis(2500), d.renewalInterval());
        assertEquals(Duration.ofSeconds(2), d.settleDelay());
        assertEquals(Duration.ofSeconds(30), d.acquireTimeout());
        assertEquals(Duration.ofSeconds(1), d.ioTimeout());
        assertEquals(Duration.ofSeconds(2), d.margin());
        assertEquals(Duration.ofSeconds(12), d.deadAfter());
        assertEquals(LeaseConfig.ofLease(Duration.ofMillis(100)).lease(), Duration.ofMillis(100));
    }

    @Test
    void everyRuleIsCheckedWithItsName() {
        Duration s10 = Duration.ofSeconds(10);
        assertMessage("lease", () -> LeaseConfig.ofLease(Duration.ofMillis(99)));
        assertMessage("lease", () -> LeaseConfig.ofLease(Duration.ofHours(2)));
        assertMessage("renewalInterval", () -> LeaseConfig.defaults().withRenewalInterval(Duration.ZERO));
        assertMessage("renewalInterval", () -> LeaseConfig.defaults().withRenewalInterval(Duration.ofMillis(5001)));
        assertMessage("settleDelay", () -> LeaseConfig.defaults().withSettleDelay(Duration.ofMillis(1)));
        assertMessage("settleDelay", () -> LeaseConfig.defaults().withSettleDelay(Duration.ofMillis(5001)));
        assertMessage("acquireTimeout", () -> LeaseConfig.defaults().withAcquireTimeout(s10));
        assertThrows(NullPointerException.class, () -> new LeaseConfig(null, s10, s10, s10));
        LeaseConfig.defaults().withAcquireTimeout(Duration.ofSeconds(16)); // lease + margin + 2 settle: allowed
    }

    private static void assertMessage(String setting, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(setting + " : "), e.getMessage());
        assertTrue(e.getMessage().contains("expected"), e.getMessage());
    }
}
