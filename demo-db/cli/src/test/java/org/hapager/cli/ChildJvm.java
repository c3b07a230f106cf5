package org.hapager.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The command line in a child JVM, as a user runs it: stdout and stderr merged, each line handed to the test
 * through a queue (read on a daemon thread, so the child never blocks on a full pipe).
 */
public final class ChildJvm {

    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private ChildJvm(Process process) {
        this.process = process;
    }

    /** Starts {@code hapager ARGS} with this JVM's java and class path. */
    public static ChildJvm hapager(List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), HapagerCli.class.getName()));
        command.addAll(args);
        ChildJvm child = new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true).start());
        Thread reader = new Thread(child::readLines, "child-output");
        reader.setDaemon(true);
        reader.start();
        return child;
    }

    private void readLines() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lines.add(line);
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    public Process process() {
        return process;
    }

    /** The lines printed so far and not yet taken, in order. */
    public LinkedBlockingQueue<String> lines() {
        return lines;
    }
}
