package org.hapager.server;

import static org.hapager.server.testing.Pages.DEFAULT_PAGE;
import static org.hapager.server.testing.Pages.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.hapager.server.process.PageServerProcess;
import org.hapager.server.testing.BlockingClient;
import org.hapager.server.testing.TempServerDirectory;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Status;
import org.hapager.wire.TokenFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A real page server whose storage refuses a change for a real reason: the client's error text names the
 * operation, the volume (relative to the volumes root) and the reason in words, never a Java exception or an
 * absolute server path; the server's log keeps those details.
 *
 * <p>As root, permissions are not enforced, so the cause is the immutable attribute ({@code chattr +i}: EPERM,
 * "operation not permitted"); as another user it is the permission bits (EACCES, "permission denied").
 */
class ErrorTextProcessTest extends TempServerDirectory {

    @Test
    void aRefusedChangeIsDescribedInWordsWithoutJavaDetailsOrServerPaths() throws Exception {
        Path frozenDir = data().resolve("volumes/frozen");
        Path frozenVolume = frozenDir.resolve("v");
        Files.createDirectories(frozenDir);
        Files.write(frozenVolume, new byte[DEFAULT_PAGE]);
        boolean root = "0".equals(run("id", "-u").strip());
        String reason;
        List<Path> immutable = new ArrayList<>();
        if (root) {
            for (Path p : List.of(frozenVolume, frozenDir)) {
                String out = run("chattr", "+i", p.toString());
                Assumptions.assumeTrue(lsattr(p).contains("i"), "running as root and chattr +i is not available here: " + out);
                immutable.add(p);
            }
            reason = "operation not permitted";
        } else {
            Files.setPosixFilePermissions(frozenVolume, PosixFilePermissions.fromString("r--r--r--"));
            Files.setPosixFilePermissions(frozenDir, PosixFilePermissions.fromString("r-xr-xr-x"));
            reason = "permission denied";
        }
        try (PageServerProcess server = PageServerProcess.start(data(), token(), "--warmup-ops", "0");
             BlockingClient client = BlockingClient.connect(server.address())) {
            client.handshake(TokenFile.read(token()), 5000);
            Message.Completion write = client.call(1, write("frozen/v", 0, new byte[DEFAULT_PAGE]));
            Message.Completion create = client.call(2, new Op.Create("frozen/w", true));
            Message.Completion delete = client.call(3, new Op.Delete("frozen/v"));
            for (Message.Completion c : List.of(write, create, delete)) {
                assertEquals(Status.IO_ERROR, c.status(), c.error());
                String text = c.error();
                assertFalse(text.contains("java."), text);
                assertFalse(text.contains("Exception"), text);
                assertFalse(text.contains(dir.toString()) || text.contains(dir.toRealPath().toString()), text);
                assertTrue(text.contains(reason), text);
            }
            assertTrue(write.error().startsWith("write volume frozen/v ") && write.error().endsWith(": " + reason),
                    write.error());
            assertEquals("create volume frozen/w: " + reason, create.error());
            assertEquals("delete volume frozen/v: " + reason, delete.error());
            // the log has what an operator needs: the operation, the volume and the exception with its stack (the
            // server opens files relative to directory handles, so the exception names the file in its directory)
            server.awaitOutput(Pattern.compile("WARN .*write volume frozen/v .*: " + reason
                    + " \\(told the client; detail: java\\.nio\\.file\\.(FileSystemException|AccessDeniedException): v: "
                    + "[^\\n]*\\)\\n\\S+Exception"), Duration.ofSeconds(10));
        } finally {
            for (Path p : immutable) {
                run("chattr", "-i", p.toString());
            }
            if (!root) {
                Files.setPosixFilePermissions(frozenDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    private static String lsattr(Path p) throws Exception {
        String out = run("lsattr", "-d", p.toString());
        return out.isEmpty() ? "" : out.substring(0, out.indexOf(' ') < 0 ? out.length() : out.indexOf(' '));
    }

    private static String run(String... command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.toString(); // not installed
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
        return out;
    }
}
