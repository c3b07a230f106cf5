package org.hapager.cli.report;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Headless Chromium (Debian's {@code chromium} package) run on a report file, as a person would open it: the DOM
 * after the page's scripts ran, and a screenshot. Each run has its own profile directory and a time limit, and
 * its process tree is ended after it.
 */
final class Chromium {

    static final String REQUIRE_PROPERTY = "hapager.requireChromium";
    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");
    private static final long TIMEOUT_SECONDS = 60;

    private final Path executable;

    private Chromium(Path executable) {
        this.executable = executable;
    }

    /** The first of {@code chromium}, {@code chromium-browser}, {@code google-chrome} on the PATH. */
    static Optional<Path> find() {
        String path = System.getenv("PATH");
        for (String name : NAMES) {
            for (String dir : path == null ? new String[0] : path.split(File.pathSeparator)) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The browser; without one the calling test is skipped, or fails when the system property
     * {@value #REQUIRE_PROPERTY} is {@code true} (as on CI).
     */
    static Chromium require() {
        Optional<Path> found = find();
        if (found.isEmpty()) {
            if (Boolean.getBoolean(REQUIRE_PROPERTY)) {
                fail("chromium not found: apt-get install chromium");
            }
            Assumptions.assumeTrue(false, "chromium not found on the PATH: apt-get install chromium");
        }
        return new Chromium(found.get());
    }

    /** The DOM once the page has loaded and its scripts have run ({@code --dump-dom}). */
    String dumpDom(Path html, Path work) throws IOException, InterruptedException {
        Path out = work.resolve(html.getFileName() + ".dom.html");
        run(work, out, "--dump-dom", html.toUri().toString());
        return text(out);
    }

    /** A PNG of the page in a window of {@code width} x {@code height} CSS pixels. */
    void screenshot(Path html, Path png, int width, int height, Path work) throws IOException, InterruptedException {
        Files.deleteIfExists(png);
        run(work, work.resolve(png.getFileName() + ".out.txt"), "--screenshot=" + png.toAbsolutePath(),
                "--window-size=" + width + "," + height, "--hide-scrollbars", html.toUri().toString());
        if (!Files.isRegularFile(png)) {
            fail("chromium wrote no screenshot " + png + ": " + text(work.resolve("chromium.err")));
        }
    }

    private static String text(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    private void run(Path work, Path stdout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(executable.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--user-data-dir=" + work.resolve("chromium-profile").toAbsolutePath()));
        command.addAll(List.of(args));
        Path stderr = work.resolve("chromium.err");
        Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        try {
            p.getOutputStream().close();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                fail("chromium did not finish in " + TIMEOUT_SECONDS + " s: " + command);
            }
            if (p.exitValue() != 0) {
                fail("chromium exited with " + p.exitValue() + ": " + command + "\n" + text(stderr));
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
