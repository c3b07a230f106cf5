package org.hapager.server.process;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;

/**
 * A page server in its own JVM on this machine: what tests kill, freeze and restart, and what the command
 * line's benchmark and demo launch as child processes. It runs {@code org.hapager.server.PageServerMain} as a
 * {@link ChildJvm} (optionally inside a network namespace of a {@link NetnsBed}) and waits (30 s deadline) for the
 * ready line {@code page server ready on HOST:PORT (...)}.
 *
 * <p>Control methods are meant for one test thread.
 */
public final class PageServerProcess implements AutoCloseable {

    private static final Pattern READY = Pattern.compile("page server ready on (\\S+):(\\d+) ");
    private static final Duration START_DEADLINE = Duration.ofSeconds(30);

    private final ChildJvm jvm;
    private final InetSocketAddress address;

    private PageServerProcess(ChildJvm jvm, InetSocketAddress address) {
        this.jvm = jvm;
        this.address = address;
    }

    /** Starts a server on a free port (--port 0) and waits until it is ready. */
    public static PageServerProcess start(Path dataDir, Path tokenFile, String... extraArgs) {
        return start(dataDir, tokenFile, 0, extraArgs);
    }

    /** Starts a server on {@code port} and waits until it is ready. */
    public static PageServerProcess start(Path dataDir, Path tokenFile, int port, String... extraArgs) {
        return start(List.of(), Map.of(), dataDir, tokenFile, port, extraArgs);
    }

    /**
     * Starts a server on a free port with {@code environment} added to (or replacing entries of) this JVM's
     * environment, for example {@code LC_ALL=C} to run it under another locale, and waits until it is ready.
     */
    public static PageServerProcess start(Map<String, String> environment, Path dataDir, Path tokenFile, String... extraArgs) {
        return start(List.of(), environment, dataDir, tokenFile, 0, extraArgs);
    }

    /**
     * Starts a server on a free port of {@code host} of {@code bed} (inside its network namespace, bound to its
     * address) and waits until it is ready.
     */
    public static PageServerProcess startOn(NetnsBed bed, String host, Path dataDir, Path tokenFile, String... extraArgs) {
        return startOn(bed, host, 0, dataDir, tokenFile, extraArgs);
    }

    /** As {@link #startOn(NetnsBed, String, Path, Path, String...)}, on {@code port} of the host (0: a free one). */
    public static PageServerProcess startOn(NetnsBed bed, String host, int port, Path dataDir, Path tokenFile,
                                            String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--bind", bed.address(host)));
        args.addAll(List.of(extraArgs));
        return start(bed.exec(host), Map.of(), dataDir, tokenFile, port, args.toArray(String[]::new));
    }

    private static PageServerProcess start(List<String> commandPrefix, Map<String, String> environment, Path dataDir,
                                           Path tokenFile, int port, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--data", dataDir.toString(), "--port", Integer.toString(port),
                "--token-file", tokenFile.toString()));
        args.addAll(List.of(extraArgs));
        ChildJvm jvm = ChildJvm.start("page server", commandPrefix, environment, List.of("-Xmx256m"),
                "org.hapager.server.PageServerMain", args);
        try {
            MatchResult ready = jvm.awaitOutput(READY, START_DEADLINE);
            String host = ready.group(1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new PageServerProcess(jvm, new InetSocketAddress(host, Integer.parseInt(ready.group(2))));
        } catch (RuntimeException | Error e) {
            jvm.close();
            throw e;
        }
    }

    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    public long pid() {
        return jvm.pid();
    }

    /** SIGKILL, then waits for the process to exit. */
    public void kill9() {
        jvm.signal("KILL");
        awaitExit(Duration.ofSeconds(30));
    }

    public void sigstop() {
        jvm.signal("STOP");
    }

    public void sigcont() {
        jvm.signal("CONT");
    }

    /** SIGTERM, waits up to {@code wait} for the exit and returns the exit code. */
    public int sigterm(Duration wait) {
        jvm.signal("TERM");
        if (!awaitExit(wait)) {
            throw new IllegalStateException("page server pid " + pid() + " still running " + wait
                    + " after SIGTERM; output:\n" + output());
        }
        return exitCode();
    }

    /** The exit code of a process that has exited. */
    public int exitCode() {
        return jvm.exitCode();
    }

    public boolean isAlive() {
        return jvm.isAlive();
    }

    /** See {@link ChildJvm#awaitOutput}. */
    public MatchResult awaitOutput(Pattern pattern, Duration wait) {
        return jvm.awaitOutput(pattern, wait);
    }

    /** Everything the process printed so far (stdout and stderr). */
    public String output() {
        return jvm.output();
    }

    /** Kills the process with SIGKILL if it is still alive. */
    @Override
    public void close() {
        jvm.close();
    }

    /** Waits up to {@code wait} for the process to exit; true if it has. */
    public boolean awaitExit(Duration wait) {
        return jvm.awaitExit(wait);
    }
}
