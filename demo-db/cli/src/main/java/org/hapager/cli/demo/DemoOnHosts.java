package org.hapager.cli.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.hapager.cli.HapagerCli;
import org.hapager.cli.servers.LocalPageServers;
import org.hapager.server.process.NetnsBed;
import picocli.CommandLine;

/** {@code hapager demo --hosts} outside the bed: builds it and runs the demo on its client host. */
final class DemoOnHosts {

    private DemoOnHosts() {
    }

    /**
     * {@code --hosts}: builds the bed (hosts client, a, b), runs this same demo in a JVM on the client's host with the
     * bed's description, passing its output through, and removes the bed when it ends. Returns its exit code.
     */
    static int run(CommandLine cl, Duration duration) throws IOException, InterruptedException {
        String unavailable = NetnsBed.unavailable();
        if (unavailable != null) {
            cl.getErr().println("hapager demo --hosts: " + unavailable);
            return 1;
        }
        try (NetnsBed bed = NetnsBed.create("client", LocalPageServers.HOST_A, LocalPageServers.HOST_B)) {
            List<String> command = new ArrayList<>(bed.exec("client"));
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), HapagerCli.class.getName()));
            command.addAll(cl.getParseResult().originalArgs()); // "demo" and its options, as given
            command.addAll(List.of("--in-bed", bed.describe()));
            cl.getOut().printf(Locale.ROOT, "hosts: client %s, page servers %s and %s (network namespaces"
                    + " %s-*, one bridge)%n", bed.address("client"), bed.address(LocalPageServers.HOST_A),
                    bed.address(LocalPageServers.HOST_B), bed.name());
            cl.getOut().flush();
            Process demo = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
            Thread stdout = pass(demo.getInputStream(), cl.getOut(), "demo-hosts-stdout");
            Thread stderr = pass(demo.getErrorStream(), cl.getErr(), "demo-hosts-stderr");
            Thread stop = new Thread(demo::destroy, "demo-hosts-stop"); // Ctrl-C: the demo on the client host cleans up
            Runtime.getRuntime().addShutdownHook(stop);
            try {
                // the demo bounds its own phases; this only stops waiting for one that hangs past all of them
                if (!demo.waitFor(duration.toMinutes() + 20, TimeUnit.MINUTES)) {
                    demo.destroyForcibly();
                    cl.getErr().println("hapager demo --hosts: the demo on the client host did not end");
                    return 1;
                }
                stdout.join(TimeUnit.SECONDS.toMillis(10)); // its last lines, PASSED or FAILED among them
                stderr.join(TimeUnit.SECONDS.toMillis(10));
                return demo.exitValue();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(stop);
                } catch (IllegalStateException e) {
                    // the JVM is shutting down
                }
            }
        }
    }

    /** Copies {@code from} to {@code to} line by line on a daemon thread, until the end of {@code from}; returns it. */
    private static Thread pass(InputStream from, PrintWriter to, String name) {
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(from, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    to.println(line);
                    to.flush();
                }
            } catch (IOException e) {
                // the demo on the client host is gone
            }
        }, name);
        pump.setDaemon(true);
        pump.start();
        return pump;
    }

}
