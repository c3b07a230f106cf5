package org.hapager.server.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
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
 * A Java main class in its own process with this JVM's class path, optionally behind a command prefix (such as
 * {@code ip netns exec NS}, which execs, so the pid stays the JVM's). Its stderr is merged into stdout and every
 * line is pumped into a buffer on a daemon thread, where {@link #awaitOutput} finds it. Signals go through
 * {@code kill}.
 *
 * <p>Thread-safety: the output buffer is guarded by {@code this}; control methods are meant for one test thread.
 */
public final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final String what;
    private final StringBuilder output = new StringBuilder();
    /** Set once the pump has read the end of the output: a dead process prints nothing more. */
    private boolean drained;

    private ChildJvm(Process process, String what) {
        this.process = process;
        this.what = what + " pid " + process.pid();
    }

    /**
     * Starts {@code mainClass} with {@code args}; {@code what} names it in errors ("page server", "client").
     * {@code environment} is added to (or replaces entries of) this JVM's environment.
     */
    public static ChildJvm start(String what, List<String> commandPrefix, Map<String, String> environment,
                                 List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>(commandPrefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch " + what + ": " + command, e);
        }
        ChildJvm jvm = new ChildJvm(process, what);
        Thread pump = new Thread(jvm::pump, what.replace(' ', '-') + "-" + process.pid() + "-output");
        pump.setDaemon(true);
        pump.start();
        return jvm;
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
                drained = true;
                notifyAll();
            }
        }
    }

    /**
     * Waits until the output contains {@code pattern} and returns the first match. Throws, naming the process,
     * the pattern and the output, once {@code wait} has passed or the process has exited without printing it.
     */
    public MatchResult awaitOutput(Pattern pattern, Duration wait) {
        return awaitOutput(pattern, wait, 0);
    }

    /**
     * As {@link #awaitOutput(Pattern, Duration)}, looking only at the output from character {@code from} on (the
     * {@link MatchResult#end()} of an earlier match, say).
     */
    public synchronized MatchResult awaitOutput(Pattern pattern, Duration wait, int from) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Matcher m = pattern.matcher(output);
            if (from <= output.length() && m.find(from)) {
                return m.toMatchResult();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || drained && !process.isAlive()) {
                throw new IllegalStateException(what + " did not print /" + pattern + "/ "
                        + (left <= 0 ? "within " + wait.toMillis() + " ms" : "before it exited with " + process.exitValue())
                        + "; output:\n" + output);
            }
            try {
                // the pump notifies on every line and at the end; the process's exit alone does not, so look again soon
                TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for output of " + what, e);
            }
        }
    }

    /** Everything the process printed so far (stdout and stderr). */
    public synchronized String output() {
        return output.toString();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code of a process that has exited. */
    public int exitCode() {
        return process.exitValue();
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

    /** Sends SIG{@code name} ("KILL", "STOP", ...) with {@code kill}. */
    public void signal(String name) {
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

    /** Kills the process with SIGKILL if it is still alive, and waits for it. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(30));
        }
    }
}
