package org.hapager.server.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.hapager.wire.Status;

/** Building page requests and reading their completions, for tests that talk to a page server or a store. */
public final class Pages {

    /** The page size of {@link #write(String, long, byte[])}: 4 KiB. */
    public static final int DEFAULT_PAGE = 4096;

    private Pages() {
    }

    /** A WRITE of {@code bytes} as {@link #DEFAULT_PAGE}-sized pages from {@code firstPage} on, with their checksums. */
    public static Op.Write write(String volume, long firstPage, byte[] bytes) {
        return write(volume, DEFAULT_PAGE, firstPage, bytes);
    }

    /**
     * A WRITE of {@code bytes} as pages of {@code pageSize} from {@code firstPage} on, with their checksums. The
     * request wraps {@code bytes} (no copy); a partial last page is left out.
     */
    public static Op.Write write(String volume, int pageSize, long firstPage, byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int pages = bytes.length / pageSize;
        return new Op.Write(volume, pageSize, firstPage, pages, PageChecksums.compute(buf, pageSize, pages), buf);
    }

    /** A COMPARE_AND_WRITE of page {@code page} (its size the arrays' length), with both pages' checksums. */
    public static Op.CompareAndWrite compareAndWrite(String volume, long page, byte[] expected, byte[] data) {
        if (expected.length != data.length) {
            throw new IllegalArgumentException("expected " + expected.length + " bytes, data " + data.length);
        }
        int size = data.length;
        return new Op.CompareAndWrite(volume, size, page, PageChecksums.compute(ByteBuffer.wrap(expected), size, 1)[0],
                ByteBuffer.wrap(expected), PageChecksums.compute(ByteBuffer.wrap(data), size, 1)[0], ByteBuffer.wrap(data));
    }

    /** Fails with the completion's error text unless its status is OK. */
    public static void assertOk(Message.Completion c) {
        assertEquals(Status.OK, c.status(), c.error());
    }

    /** The pages a READ returned, copied; fails first (with the error text) unless the read succeeded. */
    public static byte[] bytesOf(Message.Completion read) {
        assertOk(read);
        return bytesOf((Outcome.PagesRead) read.outcome());
    }

    /** The pages of {@code read}, copied (its buffer's position is left as it is). */
    public static byte[] bytesOf(Outcome.PagesRead read) {
        ByteBuffer data = read.data().duplicate();
        byte[] got = new byte[data.remaining()];
        data.get(got);
        return got;
    }
}
