package org.hapager.bufferpool.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.hapager.bufferpool.BufferPool;
import org.hapager.bufferpool.BufferPoolConfig;
import org.hapager.pager.PageIoException;
import org.hapager.pager.PagerClient;
import org.hapager.pager.PagerConfig;
import org.hapager.pager.VolumeStat;
import org.hapager.server.process.PageServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link PagedMemory#open} against a real page-server process: the swap volume's creation, length and reuse. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PagedMemoryServerTest {

    static final int PAGE = 4096;

    @TempDir
    Path dir;

    @Test
    void openCreatesAndSizesTheSwapVolumeAndReopeningKeepsItsBytes() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path token = dir.resolve("token");
        try (PageServerProcess server = PageServerProcess.start(data, token, "--warmup-ops", "0");
             PagerClient pager = PagerClient.connect(PagerConfig.builder().servers(server.address()).tokenFile(token)
                     .meterRegistry(new SimpleMeterRegistry()).build())) {
            String name = "swap/job-1/mem";
            assertFalse(pager.stat(name).join().exists());
            long size = 10L * PAGE + 100; // 11 pages
            long last = size - 8 - (size - 8) % 8;
            try (BufferPool pool = pool(pager, 2)) {
                PagedMemory mem = PagedMemory.open(pool, pager, name, size);
                VolumeStat stat = pager.stat(name).join();
                assertTrue(stat.exists() && !stat.directory(), stat.toString());
                assertEquals(11L * PAGE, stat.length(), "extended to the whole pages covering the size");
                assertEquals(0, mem.getLong(last), "a fresh swap volume reads as zeros");
                mem.putLong(0, 11);
                mem.putLong(5L * PAGE, 55);
                mem.putLong(last, 99);
                mem.close();
            }

            try (BufferPool pool = pool(pager, 2)) { // a fresh pool: every byte comes from the server
                PagedMemory smaller = PagedMemory.open(pool, pager, name, 6L * PAGE);
                assertEquals(11L * PAGE, pager.stat(name).join().length(), "a longer volume is not truncated");
                assertEquals(55, smaller.getLong(5L * PAGE));
                PagedMemory larger = PagedMemory.open(pool, pager, name, 20L * PAGE);
                assertEquals(20L * PAGE, pager.stat(name).join().length());
                assertEquals(11, larger.getLong(0));
                assertEquals(99, larger.getLong(last));
                assertEquals(0, larger.getLong(20L * PAGE - 8));
            }

            pager.mkdirs("swap/dir").join();
            try (BufferPool pool = pool(pager, 2)) {
                PagedMemoryException e = assertThrows(PagedMemoryException.class,
                        () -> PagedMemory.open(pool, pager, "swap/dir", PAGE));
                assertEquals(PageIoException.Kind.INVALID, e.kind());
                assertTrue(e.getMessage().contains("open of PagedMemory(swap/dir") && e.getMessage().contains("directory"),
                        e.getMessage());
                // a memory over a volume that does not exist fails on its first fault, naming the page
                PagedMemory missing = new PagedMemory(pool, "swap/missing", PAGE);
                PagedMemoryException nf = assertThrows(PagedMemoryException.class, () -> missing.getByte(7));
                assertEquals(PageIoException.Kind.NOT_FOUND, nf.kind());
                assertTrue(nf.getMessage().contains("getByte at offset 7 (page 0 of swap/missing@4096)"), nf.getMessage());
            }
        }
    }

    private static BufferPool pool(PagerClient pager, int frames) {
        return new BufferPool(pager, new BufferPoolConfig((long) frames * PAGE, PAGE, Duration.ofSeconds(20),
                new SimpleMeterRegistry()));
    }
}
