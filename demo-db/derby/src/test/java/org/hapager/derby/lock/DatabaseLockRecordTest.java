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
import org.hapager.derby.lock.LockRecord.State;
import org.junit.jupiter.api.Test;

/** The lock page codec and the lock's configuration rules; no servers. */
class DatabaseLockRecordTest {

    @Test
    void recordsRoundTripAndEveryFieldMatters() throws Exception {
        LockRecord r = new LockRecord(State.HELD, UUID.randomUUID(), 42, "host h pid 7");
        ByteBuffer page = r.encode(LockRecord.PAGE_SIZE);
        assertEquals(0, page.position());
        assertEquals(LockRecord.PAGE_SIZE, page.limit());
        assertEquals(new LockRecord.Valid(r), LockRecord.decode(page));
        assertEquals(new LockRecord.Valid(r), LockRecord.decode(r.encode(4096)), "a larger page holds the same record");
        assertEquals(0, page.position(), "decode leaves the buffer alone");

        LockRecord released = r.next(State.RELEASED);
        assertEquals(43, released.counter());
        assertEquals(r.owner(), released.owner());
        assertEquals(new LockRecord.Valid(released), LockRecord.decode(released.encode(LockRecord.PAGE_SIZE)));
        assertTrue(!page.equals(r.next(State.HELD).encode(LockRecord.PAGE_SIZE)), "the next record differs in its bytes");
    }

    @Test
    void zerosAreBlankAndAnythingElseIsUnreadableNotAnError() throws Exception {
        assertInstanceOf(LockRecord.Blank.class, LockRecord.decode(ByteBuffer.allocate(LockRecord.PAGE_SIZE)));

        ByteBuffer garbage = ByteBuffer.allocate(LockRecord.PAGE_SIZE);
        garbage.put(0, "not a lock".getBytes(StandardCharsets.US_ASCII));
        assertTrue(((LockRecord.Unreadable) LockRecord.decode(garbage)).why().contains("magic"));

        // flip each byte of the record in turn: never a different valid record
        LockRecord r = new LockRecord(State.HELD, new UUID(1, 2), 3, "host h pid 4");
        ByteBuffer good = r.encode(LockRecord.PAGE_SIZE);
        int recordBytes = 34 + "host h pid 4".length() + 4;
        Random random = new Random(1);
        for (int i = 0; i < recordBytes; i++) {
            ByteBuffer bad = ByteBuffer.allocate(LockRecord.PAGE_SIZE).put(good.duplicate()).clear();
            bad.put(i, (byte) (bad.get(i) ^ (1 + random.nextInt(255))));
            LockRecord.Content c = LockRecord.decode(bad);
            assertInstanceOf(LockRecord.Unreadable.class, c, "byte " + i + " flipped: " + c);
        }
    }

    @Test
    void aNewerFormatIsRefusedNotOverwritten() {
        ByteBuffer page = new LockRecord(State.HELD, new UUID(1, 2), 3, "x").encode(LockRecord.PAGE_SIZE);
        page.putShort(4, (short) 2);
        int length = 34 + 1;
        CRC32C crc = new CRC32C();
        crc.update(page.array(), 0, length);
        page.putInt(length, (int) crc.getValue());
        LockRecord.UnsupportedFormatException e = assertThrows(LockRecord.UnsupportedFormatException.class,
                () -> LockRecord.decode(page));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
    }

    @Test
    void longDescriptionsAreCutAtACharacterBoundary() throws Exception {
        String s = "é".repeat(300);
        LockRecord r = new LockRecord(State.HELD, new UUID(0, 1), 1, s);
        assertEquals(127, r.description().length());
        assertEquals(new LockRecord.Valid(r), LockRecord.decode(r.encode(LockRecord.PAGE_SIZE)));
        assertThrows(IllegalArgumentException.class, () -> r.encode(256));
    }

    @Test
    void defaultsAndDerivedTimes() {
        LockConfig d = LockConfig.defaults();
        assertEquals(Duration.ofSeconds(10), d.expiry());
        assertEquals(Duration.ofMillis(2500), d.renewalInterval());
        assertEquals(Duration.ofSeconds(2), d.settleDelay());
        assertEquals(Duration.ofSeconds(30), d.acquireTimeout());
        assertEquals(Duration.ofSeconds(1), d.ioTimeout());
        assertEquals(Duration.ofSeconds(2), d.margin());
        assertEquals(Duration.ofSeconds(12), d.deadAfter());
        assertEquals(LockConfig.ofExpiry(Duration.ofMillis(100)).expiry(), Duration.ofMillis(100));
    }

    @Test
    void everyRuleIsCheckedWithItsName() {
        Duration s10 = Duration.ofSeconds(10);
        assertMessage("expiry", () -> LockConfig.ofExpiry(Duration.ofMillis(99)));
        assertMessage("expiry", () -> LockConfig.ofExpiry(Duration.ofHours(2)));
        assertMessage("renewalInterval", () -> LockConfig.defaults().withRenewalInterval(Duration.ZERO));
        assertMessage("renewalInterval", () -> LockConfig.defaults().withRenewalInterval(Duration.ofMillis(5001)));
        assertMessage("settleDelay", () -> LockConfig.defaults().withSettleDelay(Duration.ofMillis(1)));
        assertMessage("settleDelay", () -> LockConfig.defaults().withSettleDelay(Duration.ofMillis(5001)));
        assertMessage("acquireTimeout", () -> LockConfig.defaults().withAcquireTimeout(s10));
        assertThrows(NullPointerException.class, () -> new LockConfig(null, s10, s10, s10));
        LockConfig.defaults().withAcquireTimeout(Duration.ofSeconds(16)); // expiry + margin + 2 settle: allowed
    }

    private static void assertMessage(String setting, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(setting + " : "), e.getMessage());
        assertTrue(e.getMessage().contains("expected"), e.getMessage());
    }
}
