package org.hapager.wire;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C of each page in a run, as carried by write requests and read completions. */
public final class PageChecksums {

    private PageChecksums() {
    }

    /** Checksums of {@code pageCount} pages of {@code pageSize} bytes starting at {@code data.position()}. */
    public static int[] compute(ByteBuffer data, int pageSize, int pageCount) {
        int[] crcs = new int[pageCount];
        CRC32C crc = new CRC32C();
        ByteBuffer view = data.duplicate();
        int base = data.position();
        for (int i = 0; i < pageCount; i++) {
            view.limit(base + (i + 1) * pageSize).position(base + i * pageSize);
            crc.reset();
            crc.update(view);
            crcs[i] = (int) crc.getValue();
        }
        return crcs;
    }

    /** Index of the first page whose checksum does not match, or -1 if all match. */
    public static int firstMismatch(ByteBuffer data, int pageSize, int[] expected) {
        int[] actual = compute(data, pageSize, expected.length);
        for (int i = 0; i < expected.length; i++) {
            if (actual[i] != expected[i]) {
                return i;
            }
        }
        return -1;
    }
}
