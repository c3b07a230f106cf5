package org.hapager.server.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A page server in its own JVM on this machine: what tests kill, freeze and restart, and what the command
 * line's benchmark and demo launch as child processes. It runs
 * {@code org.hapager.server.PageServerMain} with this JVM's class path, merges its stderr into stdout, pumps
 * every line into a buffer on a daemon thread, and waits (30 s deadline) for the ready line
 * {@code page server ready on HOST:PORT (...)}. Signals go through {@code kill}.
 *
 * <p>Thread-safety: the output buffer is guarded by {@code this}; control methods are meant for one test thread.
 */
public final class PageServerProcess implements AutoCloseable {

    private static final Pattern READY = Pattern.compile("page server ready on (\\S+):(\\d+) ");
    private static final Duration START_DEADLINE = Duration.ofSeconds(30);

    private final Process process;
    private final StringBuilder output = new StringBuilder();
    private InetSocketAddress address;

    private PageServerProcess(Process process) {
        this.process = process;
    }

    /** Starts a server on a free port (--port 0) and waits until it is ready. */
    public static PageServerProcess start(Path dataDir, Path tokenFile, String... extraArgs) {
        return start(dataDir, tokenFile, 0, extraArgs);
    }

    /** Starts a server on {@code port} and waits until it is ready. */
    public static PageServerProcess start(Path dataDir, Path tokenFile, int port, String... extraArgs) {
        return start(Map.of(), dataDir, tokenFile, port, extraArgs);
    }

    /**
     * Starts a server on a free port with {@code environment} added to (or replacing entries of) this JVM's
     * environment, for example {@code LC_ALL=C} to run it under another locale, and waits until it is ready.
     */
    public static PageServerProcess start(Map<String, String> environment, Path dataDir, Path tokenFile, String... extraArgs) {
        return start(environment, dataDir, tokenFile, 0, extraArgs);
    }

    private static PageServerProcess start(Map<String, String> environment, Path dataDir, Path tokenFile, int port,
                                           String... extraArgs) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "org.hapager.server.PageServerMain",
                "--data", dataDir.toString(), "--port", Integer.toString(port), "--token-file", tokenFile.toString()));
        command.addAll(List.of(extraArgs));
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch " + command, e);
        }
        PageServerProcess server = new PageServerProcess(process);
        Thread pump = new Thread(server::pump, "page-server-" + process.pid() + "-output");
        pump.setDaemon(true);
        pump.start();
        try {
            server.address = server.awaitReady();
        } catch (RuntimeException | Error e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void pump() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (this) {
                    output.append(line).append('\n');
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone; what it printed is kept
        } finally {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    private synchronized InetSocketAddress awaitReady() {
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (true) {
            Matcher m = READY.matcher(output);
            if (m.find()) {
                String host = m.group(1);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                return new InetSocketAddress(host, Integer.parseInt(m.group(2)));
            }
            long left = deadline - System.nanoTime();
            if (!process.isAlive() && left > 0) {
                // one last look after the pump has drained the pipe
                left = Math.min(left, TimeUnit.MILLISECONDS.toNanos(200));
                deadline = System.nanoTime() + left;
            }
            if (left <= 0) {
                throw new IllegalStateException("page server (pid " + process.pid() + ") not ready within "
                        + START_DEADLINE.toSeconds() + " s" + (process.isAlive() ? "" : ", exited with " + process.exitValue())
                        + "; output:\n" + output);
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for page server pid " + process.pid(), e);
            }
        }
    }

    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL, then waits for the process to exit. */
    public void kill9() {
        signal("KILL");
        awaitExit(Duration.ofSeconds(30));
    }

    public void sigstop() {
        signal("STOP");
    }

    public void sigcont() {
        signal("CONT");
    }

    /** SIGTERM, waits up to {@code wait} for the exit and returns the exit code. */
    public int sigterm(Duration wait) {
        signal("TERM");
        if (!awaitExit(wait)) {
            throw new IllegalStateException("page server pid " + process.pid() + " still running " + wait
                    + " after SIGTERM; output:\n" + output());
        }
        return process.exitValue();
    }

    /** The exit code of a process that has exited. */
    public int exitCode() {
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits until the output contains {@code pattern} and returns the first match; throws naming the pid, the
     * pattern and the output if {@code wait} passes first.
     */
    public synchronized MatchResult awaitOutput(Pattern pattern, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Matcher m = pattern.matcher(output);
            if (m.find()) {
                return m.toMatchResult();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("page server pid " + process.pid() + " did not print /" + pattern + "/ within "
                        + wait.toMillis() + " ms; output:\n" + output);
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for output of page server pid " + process.pid(), e);
            }
        }
    }

    /** Everything the process printed so far (stdout and stderr). */
    public synchronized String output() {
        return output.toString();
    }

    /** Kills the process with SIGKILL if it is still alive. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(30));
        }
    }

    /** Waits up to {@code wait} for the process to exit; true if it has. */
    public boolean awaitExit(Duration wait) {
        try {
            return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + name + " " + process.pid(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted sending SIG" + name + " to " + process.pid(), e);
        }
    }
}
