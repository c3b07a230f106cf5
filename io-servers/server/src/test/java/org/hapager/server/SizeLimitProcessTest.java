package org.hapager.server;

import static org.hapager.server.testing.Pages.DEFAULT_PAGE;
import static org.hapager.server.testing.Pages.assertOk;
import static org.hapager.server.testing.Pages.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.hapager.server.process.PageServerProcess;
import org.hapager.server.testing.BlockingClient;
import org.hapager.server.testing.TempServerDirectory;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.Status;
import org.hapager.wire.TokenFile;
import org.junit.jupiter.api.Test;

/** Real page servers with and without {@code --max-volume-bytes} and {@code --max-data-bytes}. */
class SizeLimitProcessTest extends TempServerDirectory {

    static final int PAGE = DEFAULT_PAGE;
    static final long TIB = 1L << 40;
    static final long MIB = 1L << 20;

    Path volume(String name) {
        return data().resolve("volumes").resolve(name);
    }

    @Test
    void theOptionsAreDocumentedAndChecked() throws Exception {
        PageServerProcessTest.Result help = PageServerProcessTest.runCli("--help");
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().contains("--max-volume-bytes=N") && help.output().contains("--max-data-bytes=N"), help.output());
        for (String option : new String[] {"--max-volume-bytes", "--max-data-bytes"}) {
            PageServerProcessTest.Result bad = PageServerProcessTest.runCli("--data", data().toString(), "--token-file",
                    token().toString(), option, "0");
            assertEquals(2, bad.exit(), bad.output());
            assertTrue(bad.output().contains(option + " 0 (expected: >= 1)"), bad.output());
        }
    }

    @Test
    void withoutLimitsASparseWriteAtOneTebibyteIsAccepted() throws Exception {
        try (PageServerProcess server = PageServerProcess.start(data(), token(), "--warmup-ops", "0");
             BlockingClient client = BlockingClient.connect(server.address())) {
            client.handshake(TokenFile.read(token()), 5000);
            assertOk(client.call(1, new Op.Create("v", true)));
            Message.Completion far = client.call(2, write("v", TIB / PAGE, new byte[PAGE]));
            assertOk(far);
            assertEquals(TIB + PAGE, ((Outcome.PagesWritten) far.outcome()).volumeLength());
            assertEquals(TIB + PAGE, Files.size(volume("v")));
            assertOk(client.call(3, new Op.Delete("v")));
        }
    }

    @Test
    void aWriteOrLengthPastTheVolumeLimitIsRefusedBeforeAnythingIsWritten() throws Exception {
        try (PageServerProcess server = PageServerProcess.start(data(), token(), "--warmup-ops", "0",
                "--max-volume-bytes", Long.toString(MIB));
             BlockingClient client = BlockingClient.connect(server.address())) {
            client.handshake(TokenFile.read(token()), 5000);
            assertOk(client.call(1, new Op.Create("db/v", true)));
            assertOk(client.call(2, write("db/v", 0, new byte[PAGE])));
            assertOk(client.call(3, write("db/v", MIB / PAGE - 1, new byte[PAGE]))); // ends exactly at the limit

            Message.Completion far = client.call(4, write("db/v", TIB / PAGE, new byte[PAGE]));
            assertEquals(Status.INVALID, far.status(), far.error());
            assertEquals("write volume db/v pages 268435456..268435456 of 4096 bytes (offsets 1099511627776..1099511631872):"
                    + " would end at byte 1099511631872, past the volume size limit of 1048576 bytes (--max-volume-bytes)",
                    far.error());
            Message.Completion oneTooFar = client.call(5, write("db/v", MIB / PAGE, new byte[PAGE]));
            assertEquals(Status.INVALID, oneTooFar.status(), oneTooFar.error());
            Message.Completion setLength = client.call(6, new Op.SetLength("db/v", TIB));
            assertEquals(Status.INVALID, setLength.status(), setLength.error());
            assertEquals("set length of volume db/v to 1099511627776: past the volume size limit of 1048576 bytes"
                    + " (--max-volume-bytes)", setLength.error());
            assertEquals(MIB, Files.size(volume("db/v")), "nothing was written past the limit");
            assertOk(client.call(7, new Op.SetLength("db/v", MIB)));
            assertOk(client.call(8, new Op.SetLength("db/v", 0)));
            server.awaitOutput(Pattern.compile("WARN .*volume size limit of 1048576 bytes"), Duration.ofSeconds(10));
        }
    }

    @Test
    void theDataDirectoryLimitCountsEveryVolumeAndIsRecountedAtStart() throws Exception {
        String[] limits = {"--warmup-ops", "0", "--max-data-bytes", Long.toString(3 * MIB)};
        byte[] mib = new byte[(int) MIB];
        try (PageServerProcess server = PageServerProcess.start(data(), token(), limits);
             BlockingClient client = BlockingClient.connect(server.address())) {
            client.handshake(TokenFile.read(token()), 5000);
            assertOk(client.call(1, new Op.Create("a", true)));
            assertOk(client.call(2, new Op.Create("d/b", true)));
            assertOk(client.call(3, write("a", 0, mib)));
            assertOk(client.call(4, write("a", MIB / PAGE, mib)));
            assertOk(client.call(5, write("d/b", 0, mib))); // 3 MiB in all: at the limit
            assertOk(client.call(6, write("d/b", 0, new byte[PAGE]))); // overwrites grow nothing

            Message.Completion full = client.call(7, write("d/b", MIB / PAGE, new byte[PAGE]));
            assertEquals(Status.INVALID, full.status(), full.error());
            assertEquals("write volume d/b pages 256..256 of 4096 bytes (offsets 1048576..1052672): would grow the"
                    + " volumes to 3149824 bytes, past the data directory limit of 3145728 bytes (--max-data-bytes)",
                    full.error());
            Message.Completion sparse = client.call(8, write("a", TIB / PAGE, new byte[PAGE]));
            assertEquals(Status.INVALID, sparse.status(), sparse.error());
            assertTrue(sparse.error().contains("past the data directory limit of 3145728 bytes"), sparse.error());
            assertEquals(2 * MIB, Files.size(volume("a")), "nothing was written past the limit");
            assertEquals(MIB, Files.size(volume("d/b")));

            assertOk(client.call(9, new Op.SetLength("a", MIB))); // frees 1 MiB
            assertOk(client.call(10, write("d/b", MIB / PAGE, new byte[PAGE])));
            assertOk(client.call(11, new Op.Delete("a"))); // frees the other MiB
            assertOk(client.call(12, write("d/b", 2 * MIB / PAGE, new byte[(int) MIB - PAGE]))); // 3 MiB - 4 KiB in all
        }
        // a new server counts what is on disk before its first write
        try (PageServerProcess server = PageServerProcess.start(data(), token(), limits);
             BlockingClient client = BlockingClient.connect(server.address())) {
            client.handshake(TokenFile.read(token()), 5000);
            assertOk(client.call(1, new Op.Create("c", true)));
            Message.Completion full = client.call(2, write("c", 0, new byte[2 * PAGE]));
            assertEquals(Status.INVALID, full.status(), full.error());
            assertTrue(full.error().contains("would grow the volumes to 3149824 bytes"), full.error());
            assertOk(client.call(3, write("c", 0, new byte[PAGE])));
            assertEquals(3 * MIB, Files.size(volume("d/b")) + Files.size(volume("c")));
        }
    }
}
