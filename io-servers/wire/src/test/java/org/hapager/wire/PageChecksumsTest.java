package org.hapager.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.hapager.testkit.Seed;
import org.hapager.testkit.SeedExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SeedExtension.class)
class PageChecksumsTest {

    @Test
    void checksumsAreCrc32cOfEachPage() {
        // the CRC-32C check value
        ByteBuffer nine = ByteBuffer.wrap("123456789".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(new int[] {0xE3069283}, PageChecksums.compute(nine, 9, 1));
        ByteBuffer pages = ByteBuffer.allocate(3 * 512);
        for (int i = 0; i < pages.capacity(); i++) {
            pages.put(i, (byte) (i * 7 + 3));
        }
        int[] crcs = PageChecksums.compute(pages, 512, 3);
        for (int p = 0; p < 3; p++) {
            CRC32C crc = new CRC32C();
            crc.update(pages.array(), p * 512, 512);
            assertEquals((int) crc.getValue(), crcs[p], "page " + p);
        }
        assertEquals(0, pages.position(), "the caller's buffer is untouched");
    }

    @Test
    void pagesStartAtTheBuffersPosition() {
        ByteBuffer big = ByteBuffer.allocate(4096);
        for (int i = 0; i < big.capacity(); i++) {
            big.put(i, (byte) i);
        }
        ByteBuffer view = big.duplicate().position(1000).limit(1000 + 1024);
        ByteBuffer copy = ByteBuffer.allocate(1024).put(view.duplicate()).flip();
        assertArrayEquals(PageChecksums.compute(copy, 512, 2), PageChecksums.compute(view, 512, 2));
        ByteBuffer direct = ByteBuffer.allocateDirect(1024).put(copy.duplicate()).flip();
        assertArrayEquals(PageChecksums.compute(copy, 512, 2), PageChecksums.compute(direct, 512, 2));
    }

    @Test
    void aSingleFlippedBitInAnyPageIsFoundAtThatPage() {
        int pageSize = 512;
        int pageCount = 3;
        ByteBuffer data = ByteBuffer.allocate(pageSize * pageCount);
        for (int i = 0; i < data.capacity(); i++) {
            data.put(i, (byte) (i ^ (i >>> 8)));
        }
        int[] crcs = PageChecksums.compute(data, pageSize, pageCount);
        assertEquals(-1, PageChecksums.firstMismatch(data, pageSize, crcs));
        for (int bit = 0; bit < data.capacity() * 8; bit++) {
            int at = bit / 8;
            data.put(at, (byte) (data.get(at) ^ (1 << (bit % 8))));
            assertEquals(at / pageSize, PageChecksums.firstMismatch(data, pageSize, crcs), "bit " + bit);
            data.put(at, (byte) (data.get(at) ^ (1 << (bit % 8))));
        }
        assertEquals(-1, PageChecksums.firstMismatch(data, pageSize, crcs));
    }

    @Test
    void randomFlipsInRandomRunsReportTheFirstBadPage(Seed seed) {
        SplittableRandom random = seed.splittable();
        RandomMessages gen = new RandomMessages(random);
        for (int i = 0; i < 200; i++) {
            int ps = gen.pageSize();
            int pc = gen.pageCount(ps);
            ByteBuffer data = gen.data(ps, pc);
            int[] crcs = PageChecksums.compute(data, ps, pc);
            int a = random.nextInt(pc);
            int b = a + random.nextInt(pc - a);
            for (int page : new int[] {a, b}) {
                int at = page * ps + random.nextInt(ps);
                data.put(at, (byte) (data.get(at) ^ (1 << random.nextInt(8))));
            }
            // flipping the same bit twice (a == b, same byte and bit) is possible but vanishingly rare;
            // recompute to know which pages really changed
            int[] now = PageChecksums.compute(data, ps, pc);
            int expected = -1;
            for (int p = 0; p < pc && expected < 0; p++) {
                if (now[p] != crcs[p]) {
                    expected = p;
                }
            }
            assertEquals(expected, PageChecksums.firstMismatch(data, ps, crcs));
            assertEquals(a, expected == -1 ? a : expected, "the first flipped page is reported");
        }
    }

    @Test
    void aWrongChecksumIsReportedEvenIfLaterPagesAreAlsoWrong() {
        ByteBuffer data = ByteBuffer.allocate(4 * 512);
        int[] crcs = PageChecksums.compute(data, 512, 4);
        crcs[3] ^= 1;
        assertEquals(3, PageChecksums.firstMismatch(data, 512, crcs));
        crcs[1] ^= 1;
        assertEquals(1, PageChecksums.firstMismatch(data, 512, crcs));
    }
}
