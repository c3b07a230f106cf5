package org.hapager.server;

import static org.hapager.server.testing.Pages.assertOk;
import static org.hapager.server.testing.Pages.bytesOf;
import static org.hapager.server.testing.Pages.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hapager.server.process.PageServerProcess;
import org.hapager.server.testing.BlockingClient;
import org.hapager.server.testing.TempServerDirectory;
import org.hapager.wire.Message;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.Status;
import org.hapager.wire.TokenFile;
import org.junit.jupiter.api.Test;

/**
 * How a real page-server process touches its data directory: it never leaves it, whatever a local process does
 * to the directories inside it while the server works (symbolic-link swaps, planted hard links); it creates
 * what it stores private to its user; and it stores a name the protocol accepts the same way under any locale.
 */
class DataDirectoryProcessTest extends TempServerDirectory {

    static final int PAGE = 4096;
    /** The racer's bounds: the client stops after this long or this many rounds, whichever comes first. */
    static final Duration RACE_TIME = Duration.ofSeconds(3);
    static final int RACE_ROUNDS = 20_000;
    static final int OUTSIDE_FILES = 64;

    /**
     * The racer: swaps two names with renameat2(RENAME_EXCHANGE) (Java has no such call) in rounds of 100, an even
     * number, so the first name is the directory again whenever it stops: when the stop file appears, or after
     * the time limit. Prints how many swaps it made.
     */
    static final String EXCHANGE_LOOP = String.join("\n",
            "import ctypes, os, sys, time",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "a, b, stop = (os.fsencode(x) for x in sys.argv[1:4])",
            "limit = time.monotonic() + float(sys.argv[4])",
            "swaps = 0",
            "while not os.path.exists(stop) and time.monotonic() < limit:",
            "    for _ in range(100):",
            "        if libc.renameat2(-100, a, -100, b, 2) != 0:",
            "            sys.exit('renameat2: ' + os.strerror(ctypes.get_errno()))",
            "        swaps += 1",
            "print(swaps)");

    /** Every regular file under {@code top} (relative name to SHA-256), following nothing. */
    static Map<String, String> hashes(Path top) throws IOException {
        Map<String, String> result = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(top)) {
            for (Path p : walk.toList()) {
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    result.put(top.relativize(p).toString(), sha256(Files.readAllBytes(p)));
                } else if (!p.equals(top)) {
                    result.put(top.relativize(p) + "/", "directory");
                }
            }
        }
        return result;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A local process that can write in DATA/volumes swaps the directory {@code victim} with a symbolic link to
     * an outside directory, again and again (one atomic exchange each way), while a client creates volumes and
     * directories under {@code victim}, writes pages into them, changes their length, stats, lists, renames and
     * deletes them. Nothing outside may appear or change, and
     * after the race every volume name reads what is inside the data directory, not an outside file a cached
     * channel might still hold.
     */
    @Test
    void symlinkSwapsNeverLeadOutsideTheDataDirectory() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        byte[] outsideBytes = new byte[PAGE];
        Arrays.fill(outsideBytes, (byte) 0xEE);
        for (int i = 0; i < OUTSIDE_FILES; i++) {
            Files.write(outside.resolve("f" + i + ".dat"), outsideBytes);
        }
        Map<String, String> before = hashes(outside);

        try (PageServerProcess server = PageServerProcess.start(data(), token());
             BlockingClient client = BlockingClient.connect(server.address())) {
            client.handshake(TokenFile.read(token()), 10_000);
            Path volumes = data().resolve("volumes");
            assertOk(client.call(1, new Op.Mkdirs("victim")));
            Path victim = volumes.resolve("victim");
            Path link = Files.createSymbolicLink(volumes.resolve("victim.link"), outside);
            Path stopFile = dir.resolve("racer.stop");
            Process racer = new ProcessBuilder("python3", "-c", EXCHANGE_LOOP, victim.toString(), link.toString(),
                    stopFile.toString(), "30").redirectErrorStream(true).start();
            long requestId = 10;
            int rounds = 0;
            Map<Status, Integer> statuses = new TreeMap<>();
            Map<String, String> samples = new TreeMap<>(); // one error message per status and operation
            long deadline = System.nanoTime() + RACE_TIME.toNanos();
            try {
                for (; rounds < RACE_ROUNDS && System.nanoTime() < deadline; rounds++) {
                    String existing = "victim/f" + (rounds % OUTSIDE_FILES) + ".dat"; // also a name outside
                    String fresh = "victim/n" + rounds + ".dat";                     // a name nowhere yet
                    byte[] page = new byte[PAGE];
                    Arrays.fill(page, (byte) (rounds % 100 + 1));
                    String renamed = "victim/r" + rounds + ".dat";
                    for (Op op : List.of(new Op.Create(existing, false), write(existing, 0, page),
                            new Op.Create(fresh, true), new Op.Mkdirs("victim/d" + rounds + "/e"),
                            new Op.SetLength(existing, 2 * PAGE), new Op.Stat(existing), new Op.List("victim"),
                            new Op.Rename(fresh, renamed, false), new Op.Delete(renamed),
                            new Op.Rename(existing, "victim/moved/f.dat", true))) {
                        Message.Completion c = client.call(requestId++, op);
                        statuses.merge(c.status(), 1, Integer::sum);
                        if (c.status() != Status.OK) {
                            samples.putIfAbsent(c.status() + " " + op.code(), c.error());
                        }
                    }
                }
            } finally {
                Files.createFile(stopFile);
                assertTrue(racer.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the racer did not stop");
            }
            String racerOutput = new String(racer.getInputStream().readAllBytes()).strip();
            assertEquals(0, racer.exitValue(), racerOutput);
            System.out.printf("symlink race: %d rounds, %s swaps, statuses %s%n", rounds, racerOutput, statuses);
            samples.forEach((what, error) -> System.out.printf("symlink race: %s: %s%n", what, error));
            assertTrue(Files.isDirectory(victim, java.nio.file.LinkOption.NOFOLLOW_LINKS));

            Map<String, String> after = hashes(outside);
            long created = after.keySet().stream().filter(k -> !before.containsKey(k)).count();
            long changed = before.keySet().stream().filter(k -> !before.get(k).equals(after.get(k))).count();
            System.out.printf("symlink race: %d entries created and %d files changed outside the data directory%n",
                    created, changed);
            Map<String, String> differences = new TreeMap<>(after);
            differences.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
            assertEquals(0, created + changed, created + " entries created and " + changed + " files changed outside"
                    + " the data directory in " + rounds + " rounds: " + differences.keySet());

            // every name now reads what is inside: no channel to an outside file may be cached
            for (int i = 0; i < OUTSIDE_FILES; i++) {
                String name = "victim/f" + i + ".dat";
                Path inside = victim.resolve("f" + i + ".dat");
                Message.Completion read = client.call(requestId++, new Op.Read(name, PAGE, 0, 1));
                if (Files.exists(inside)) {
                    assertOk(read);
                    byte[] expected = Arrays.copyOf(Files.readAllBytes(inside), PAGE);
                    assertArrayEquals(expected, bytesOf(read), name + " is not served from the file inside");
                } else {
                    assertEquals(Status.NOT_FOUND, read.status(), name + ": " + read.error());
                }
            }
            assertTrue(statuses.getOrDefault(Status.OK, 0) > 0, "nothing succeeded during the race: " + statuses);
            // the first refusal is logged, the others rate-limited: a link on the path, or a file replaced while opened
            server.awaitOutput(Pattern.compile("WARN .*refused: volume victim"), Duration.ofSeconds(10));
        }
    }

    /** A hard link planted in the data directory to an outside file is refused, not written through. */
    @Test
    void aVolumeWithMoreThanOneLinkIsRefused() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path secret = Files.write(outside.resolve("secret.dat"), new byte[PAGE]);
        String before = sha256(Files.readAllBytes(secret));
        try (PageServerProcess server = PageServerProcess.start(data(), token());
             BlockingClient client = BlockingClient.connect(server.address())) {
            client.handshake(TokenFile.read(token()), 10_000);
            assertOk(client.call(1, new Op.Mkdirs("db")));
            Files.createLink(data().resolve("volumes/db/planted.dat"), secret);
            byte[] page = new byte[PAGE];
            Arrays.fill(page, (byte) 7);
            Message.Completion written = client.call(2, write("db/planted.dat", 0, page));
            Message.Completion read = client.call(3, new Op.Read("db/planted.dat", PAGE, 0, 1));
            assertEquals(before, sha256(Files.readAllBytes(secret)), "the outside file was written through the hard link");
            assertEquals(Status.INVALID, written.status(), written.error());
            assertTrue(written.error().contains("2 links"), written.error());
            assertEquals(Status.INVALID, read.status(), read.error());
            server.awaitOutput(Pattern.compile("WARN .*db/planted.dat.*2 links"), Duration.ofSeconds(10));
        }
    }

    /** Volumes, directories and the lock file are created private to the server's user, whatever the umask. */
    @Test
    void whatTheServerCreatesIsPrivate() throws Exception {
        Path token = data().resolve("token"); // the default place: the token file creates the data directory
        try (PageServerProcess server = PageServerProcess.start(data(), token);
             BlockingClient client = BlockingClient.connect(server.address())) {
            client.handshake(TokenFile.read(token), 10_000);
            assertOk(client.call(1, new Op.Create("db/seg0/c10.dat", true)));
            assertOk(client.call(2, new Op.Mkdirs("db/log/archive")));
            assertOk(client.call(3, new Op.Rename("db/seg0/c10.dat", "db/moved/c10.dat", false)));
            for (String d : List.of("", "volumes", "locks", "volumes/db", "volumes/db/seg0", "volumes/db/log",
                    "volumes/db/log/archive", "volumes/db/moved")) {
                assertEquals("rwx------", mode(data().resolve(d)), d);
            }
            assertEquals("rw-------", mode(data().resolve("volumes/db/moved/c10.dat")));
            assertEquals("rw-------", mode(data().resolve("locks/reservation.lock")));
            assertEquals("rw-------", mode(token));
        }
    }

    /** A token file other users can read is reported once at start. */
    @Test
    void aTokenFileReadableByOthersIsWarnedAbout() throws Exception {
        Files.writeString(token(), "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(token(), PosixFilePermissions.fromString("rw-r--r--"));
        try (PageServerProcess server = PageServerProcess.start(data(), token())) {
            server.awaitOutput(Pattern.compile("WARN .*token file .*rw-r--r--"), Duration.ofSeconds(10));
            assertEquals(1, Pattern.compile("WARN .*token file").matcher(server.output()).results().count(), server.output());
        }
        Files.setPosixFilePermissions(token(), PosixFilePermissions.fromString("rw-------"));
        try (PageServerProcess server = PageServerProcess.start(data(), token())) {
            assertTrue(!server.output().contains("token file"), server.output());
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * Names with non-ASCII characters, which the protocol accepts, work under the C locale (where Java cannot
     * encode them as file names), and the data directory reads the same under C.UTF-8.
     */
    @Test
    void nonAsciiNamesWorkUnderAnyLocale() throws Exception {
        String accented = "db/ünï/çödé.dat";
        String cjk = "数据/页面.dat";
        byte[] pages = new byte[2 * PAGE];
        new java.util.Random(11).nextBytes(pages);
        try (PageServerProcess server = PageServerProcess.start(Map.of("LC_ALL", "C", "LANG", "C"), data(), token());
             BlockingClient client = BlockingClient.connect(server.address())) {
            client.handshake(TokenFile.read(token()), 10_000);
            for (String name : List.of(accented, cjk)) {
                assertOk(client.call(1, new Op.Create(name, true)));
                assertOk(client.call(2, write(name, 0, pages)));
                Message.Completion read = client.call(3, new Op.Read(name, PAGE, 0, 2));
                assertOk(read);
                assertArrayEquals(pages, bytesOf(read), name);
            }
            assertListing(client, "db/ünï", List.of(new Outcome.Entry("çödé.dat", false, 2 * PAGE)));
            assertListing(client, "db", List.of(new Outcome.Entry("ünï", true, 0)));
            assertListing(client, "数据", List.of(new Outcome.Entry("页面.dat", false, 2 * PAGE)));
            assertOk(client.call(4, new Op.Rename(cjk, "数据/页面2.dat", false)));
            assertEquals(new Outcome.Stat(true, false, 2 * PAGE), client.call(5, new Op.Stat("数据/页面2.dat")).outcome());
            assertEquals(0, server.sigterm(Duration.ofSeconds(30)));
        }
        try (PageServerProcess server = PageServerProcess.start(Map.of("LC_ALL", "C.UTF-8", "LANG", "C.UTF-8"), data(), token());
             BlockingClient client = BlockingClient.connect(server.address())) {
            client.handshake(TokenFile.read(token()), 10_000);
            for (String name : List.of(accented, "数据/页面2.dat")) {
                Message.Completion read = client.call(1, new Op.Read(name, PAGE, 0, 2));
                assertOk(read);
                assertArrayEquals(pages, bytesOf(read), name);
            }
            assertListing(client, "db/ünï", List.of(new Outcome.Entry("çödé.dat", false, 2 * PAGE)));
            assertListing(client, "", List.of(new Outcome.Entry("db", true, 0), new Outcome.Entry("数据", true, 0)));
        }
        try (Stream<Path> onDisk = Files.walk(data().resolve("volumes"))) {
            for (Path p : onDisk.toList()) {
                String name = p.toString();
                assertTrue(name.chars().allMatch(c -> c < 0x80), "not ASCII on disk: " + name);
                assertNotEquals(-1, name.indexOf("volumes"));
            }
        }
    }

    private static void assertListing(BlockingClient client, String dirName, List<Outcome.Entry> expected) throws IOException {
        Message.Completion list = client.call(9, new Op.List(dirName));
        assertOk(list);
        assertEquals(expected, ((Outcome.Listing) list.outcome()).entries(), dirName);
    }
}
