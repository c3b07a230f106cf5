package org.hapager.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.function.Executable;
import picocli.CommandLine;

/**
 * The {@code hapager} command line run in the test's JVM (as opposed to {@link ChildJvm}), and the checks every
 * command's tests make of its usage errors.
 */
public final class InProcess {

    private InProcess() {
    }

    /** Runs the command line with stdout into {@code out} (and echoed, for the test report) and stderr into {@code err}. */
    public static int execute(StringBuilder out, StringWriter err, String... args) {
        CommandLine cl = HapagerCli.commandLine();
        cl.setOut(new PrintWriter(new Writer() {
            @Override
            public void write(char[] buf, int off, int len) {
                synchronized (out) {
                    out.append(buf, off, len);
                }
                System.out.print(new String(buf, off, len));
            }

            @Override
            public void flush() {
                System.out.flush();
            }

            @Override
            public void close() {
            }
        }, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    /**
     * {@code hapager COMMAND ARGS} for each of {@code bad}: exit code 2, one line on stderr starting with
     * {@code hapager: }, and nothing on stdout (nothing started).
     */
    public static void assertUsageErrors(String command, List<String[]> bad) {
        Executable[] checks = bad.stream().<Executable>map(args -> () -> {
            List<String> full = new ArrayList<>(List.of(command));
            full.addAll(Arrays.asList(args));
            StringBuilder out = new StringBuilder();
            StringWriter err = new StringWriter();
            int rc = execute(out, err, full.toArray(String[]::new));
            String what = String.join(" ", full) + " -> " + err;
            assertEquals(2, rc, what);
            assertTrue(err.toString().startsWith("hapager: "), what);
            assertEquals(1, err.toString().lines().count(), what);
            assertEquals("", out.toString(), what); // nothing started
        }).toArray(Executable[]::new);
        assertAll(checks);
    }

    /**
     * {@code hapager COMMAND ARGS --metrics-port P} with P taken: a one-line usage error naming the port, before
     * anything starts.
     */
    public static void assertTakenMetricsPortIsRefused(String... commandAndArgs) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<String> full = new ArrayList<>(Arrays.asList(commandAndArgs));
            full.addAll(List.of("--metrics-port", Integer.toString(taken.getLocalPort())));
            StringBuilder out = new StringBuilder();
            StringWriter err = new StringWriter();
            int rc = execute(out, err, full.toArray(String[]::new));
            assertEquals(2, rc, err.toString());
            assertTrue(err.toString().startsWith("hapager: --metrics-port: cannot serve metrics on 127.0.0.1:"
                    + taken.getLocalPort()), err.toString());
            assertEquals(1, err.toString().lines().count(), err.toString());
            assertEquals("", out.toString()); // no page server started
        }
    }
}
