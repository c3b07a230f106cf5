package org.hapager.server.reservation;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The fencing command (Pacemaker's STONITH convention): a configurable command that makes sure a holder that
 * did not yield can never touch the storage again. The default for servers on one host, {@code kill -KILL
 * {pid}}, kills the recorded holder process; the kernel then frees its lock.
 *
 * <p>The template is split on whitespace; in each word {@code {pid}}, {@code {host}}, {@code {port}} and
 * {@code {server}} are replaced by the holder's values. The command runs with {@link ProcessBuilder}, no
 * shell, stdin closed, stdout and stderr merged and kept (the first 2 KiB) for the error message. It
 * succeeds only with exit code 0 within the timeout; a command still running at the timeout is killed.
 */
public final class FenceCommand {

    /** The default template. */
    public static final String DEFAULT = "kill -KILL {pid}";

    private static final int MAX_OUTPUT_BYTES = 2048;

    private final List<String> template;

    /** {@code template} split on whitespace; must name a program. */
    public static FenceCommand parse(String template) {
        String stripped = template == null ? "" : template.strip();
        if (stripped.isEmpty()) {
            throw new IllegalArgumentException("fence command '" + template + "' (expected: a program and its arguments)");
        }
        return new FenceCommand(List.of(stripped.split("\\s+")));
    }

    private FenceCommand(List<String> template) {
        this.template = template;
    }

    public List<String> template() {
        return template;
    }

    /** The command for {@code holder}, placeholders replaced. */
    List<String> commandFor(Holder holder) {
        List<String> command = new ArrayList<>(template.size());
        for (String word : template) {
            command.add(word.replace("{pid}", Long.toString(holder.pid())).replace("{host}", holder.host())
                    .replace("{port}", Integer.toString(holder.port())).replace("{server}", holder.serverId()));
        }
        return command;
    }

    /**
     * Runs the command against {@code holder}; returns normally only if it exited 0 within {@code timeoutMillis}.
     *
     * @throws FenceFailedException naming the command, the holder and what went wrong
     */
    void run(Holder holder, long timeoutMillis) throws FenceFailedException, InterruptedException {
        List<String> command = commandFor(holder);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            throw new FenceFailedException("fencing " + holder.describe() + " with " + command + " could not start: " + e.getMessage());
        }
        try {
            process.getOutputStream().close();
            OutputCollector output = new OutputCollector(process.getInputStream());
            output.start();
            if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new FenceFailedException("fencing " + holder.describe() + " with " + command + " did not finish within "
                        + timeoutMillis + " ms (killed it)");
            }
            output.join(TimeUnit.MILLISECONDS.toMillis(200));
            if (process.exitValue() != 0) {
                throw new FenceFailedException("fencing " + holder.describe() + " with " + command + " exited with "
                        + process.exitValue() + output.describe());
            }
        } catch (IOException e) {
            process.destroyForcibly();
            throw new FenceFailedException("fencing " + holder.describe() + " with " + command + " failed: " + e.getMessage());
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    @Override
    public String toString() {
        return String.join(" ", template);
    }

    /** Why fencing failed; the message names the holder and the command. */
    static final class FenceFailedException extends Exception {
        FenceFailedException(String message) {
            super(message);
        }
    }

    /** Keeps the start of the command's output so a failure can quote it; reads on its own daemon thread. */
    private static final class OutputCollector extends Thread {
        private final InputStream in;
        private volatile String text = "";

        OutputCollector(InputStream in) {
            super("fence-command-output");
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run() {
            try (in) {
                byte[] kept = in.readNBytes(MAX_OUTPUT_BYTES);
                text = new String(kept, StandardCharsets.UTF_8).strip();
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                // the process is gone; keep what was read
            }
        }

        String describe() {
            String t = text;
            return t.isEmpty() ? "" : ": " + t;
        }
    }
}
