package org.hapager.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link WireLimits} and {@link Protocol#negotiate}. */
class WireLimitsTest {

    private static final WireLimits LIMITS = WireLimits.DEFAULT;
    private static final int MAX_IO = WireLimits.DEFAULT_MAX_IO_BYTES;

    @Test
    void defaultsLeaveRoomForHeadersAndChecksums() {
        assertEquals(1 << 20, LIMITS.maxIoBytes());
        assertEquals((1 << 20) + (64 << 10), LIMITS.maxFrameBytes());
        // the largest write (2048 pages of 512 bytes) with the longest name fits in one frame
        int header = 1 + 8 + 1 + 2 + VolumeName.MAX_NAME_BYTES + 4 + 8 + 4;
        assertTrue(header + 2048 * 4 + MAX_IO <= LIMITS.maxFrameBytes());
    }

    @Test
    void pageSizesArePowersOfTwoFrom512To65536() {
        for (int ps = 512; ps <= 65536; ps *= 2) {
            assertTrue(WireLimits.isValidPageSize(ps), "" + ps);
        }
        for (int ps : new int[] {0, 1, 256, 511, 513, 768, 4097, 65535, 65537, 131072, -512, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            assertFalse(WireLimits.isValidPageSize(ps), "" + ps);
        }
    }

    @Test
    void checkRunEdges() {
        assertNull(LIMITS.checkRun(512, 0, 1));
        assertNull(LIMITS.checkRun(512, 0, MAX_IO / 512));
        assertNull(LIMITS.checkRun(65536, 0, MAX_IO / 65536));
        assertEquals("page count 2049 of 512 bytes (expected: 1 to 2048)", LIMITS.checkRun(512, 0, 2049));
        assertEquals("page count 17 of 65536 bytes (expected: 1 to 16)", LIMITS.checkRun(65536, 0, 17));
        assertEquals("page count 0 of 4096 bytes (expected: 1 to 256)", LIMITS.checkRun(4096, 0, 0));
        assertEquals("page count -1 of 4096 bytes (expected: 1 to 256)", LIMITS.checkRun(4096, 0, -1));
        assertTrue(LIMITS.checkRun(65536, 0, Integer.MAX_VALUE).startsWith("page count"), "no int overflow");
        assertEquals("first page -1 (expected: >= 0)", LIMITS.checkRun(4096, -1, 1));
        assertEquals("page size 1000 (expected: a power of two from 512 to 65536)", LIMITS.checkRun(1000, 0, 1));
        assertTrue(LIMITS.checkRun(0, 0, 1).startsWith("page size 0"));
    }

    @Test
    void checkRunRejectsRunsPastTheLargestLongOffset() {
        for (int ps = 512; ps <= 65536; ps *= 2) {
            for (int pc : new int[] {1, 2, MAX_IO / ps}) {
                long last = Long.MAX_VALUE / ps - pc; // (last + pc) * ps still fits in a long
                assertNull(LIMITS.checkRun(ps, last, pc), ps + "/" + pc);
                assertTrue(Math.multiplyHigh(last + pc, ps) == 0 && (last + pc) * ps > 0);
                assertEquals("pages " + (last + 1) + "+" + pc + " of " + ps + " bytes lie beyond the largest volume offset",
                        LIMITS.checkRun(ps, last + 1, pc));
                assertTrue(LIMITS.checkRun(ps, Long.MAX_VALUE, pc).contains("beyond"));
            }
        }
    }

    @Test
    void customLimitsScaleThePageCount() {
        WireLimits small = new WireLimits(WireLimits.MAX_PAGE_SIZE + WireLimits.FRAME_OVERHEAD_BYTES, WireLimits.MAX_PAGE_SIZE);
        assertNull(small.checkRun(512, 0, 128));
        assertEquals("page count 129 of 512 bytes (expected: 1 to 128)", small.checkRun(512, 0, 129));
    }

    @Test
    void inconsistentLimitsAreRefused() {
        IllegalArgumentException io = assertThrows(IllegalArgumentException.class,
                () -> new WireLimits(1 << 30, WireLimits.MAX_PAGE_SIZE - 1));
        assertEquals("maxIoBytes : 65535 (expected: >= 65536)", io.getMessage());
        IllegalArgumentException frame = assertThrows(IllegalArgumentException.class,
                () -> new WireLimits(MAX_IO + WireLimits.FRAME_OVERHEAD_BYTES - 1, MAX_IO));
        assertTrue(frame.getMessage().startsWith("maxFrameBytes : " + (MAX_IO + 65535)), frame.getMessage());
        new WireLimits(MAX_IO + WireLimits.FRAME_OVERHEAD_BYTES, MAX_IO);
    }

    @Test
    void aMaxIoNearIntMaxCannotWrapTheFrameCheck() {
        // maxIoBytes + overhead exceeds Integer.MAX_VALUE: no int maxFrameBytes can hold such a write
        for (int io : new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE - WireLimits.FRAME_OVERHEAD_BYTES + 1}) {
            assertThrows(IllegalArgumentException.class, () -> new WireLimits(200_000, io), "maxIoBytes " + io);
            assertThrows(IllegalArgumentException.class, () -> new WireLimits(Integer.MAX_VALUE, io), "maxIoBytes " + io);
        }
        WireLimits largest = new WireLimits(Integer.MAX_VALUE, Integer.MAX_VALUE - WireLimits.FRAME_OVERHEAD_BYTES);
        assertEquals(Integer.MAX_VALUE, largest.maxFrameBytes());
    }

    // ------------------------------------------------------------------ version negotiation

    @Test
    void negotiatePicksTheHighestSharedVersion() {
        assertEquals(1, Protocol.negotiate(1, 1));
        assertEquals(Protocol.MAX_VERSION, Protocol.negotiate(0, 65535), "a newer peer falls back to ours");
        assertEquals(Protocol.MAX_VERSION, Protocol.negotiate(Protocol.MIN_VERSION, Protocol.MAX_VERSION + 5));
        assertEquals(1, Protocol.negotiate(0, 1));
    }

    @Test
    void negotiateFailsWithoutOverlap() {
        assertEquals(-1, Protocol.negotiate(Protocol.MAX_VERSION + 1, Protocol.MAX_VERSION + 9), "peer too new");
        assertEquals(-1, Protocol.negotiate(0, Protocol.MIN_VERSION - 1), "peer too old");
        assertEquals(-1, Protocol.negotiate(2, 1), "an empty peer range");
    }
}
