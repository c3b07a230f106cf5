package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hapager as Derby's default storage factory ({@code derby.subSubProtocol.directory}), with
 * {@code derby.system.bootAll=true}: Derby lists the root factory's directory at start-up and the driver loads;
 * plain {@code jdbc:derby:CLUSTER/DB} URLs create, boot and (after an engine shutdown and boot) boot again a
 * database on the page servers. In a JVM of its own: Derby reads its {@code derby.*} properties at the engine's
 * boot, and they would make every later test's Derby in this JVM use hapager by default.
 */
class DerbyDefaultFactoryTest {

    @TempDir
    Path dir;

    @Test
    void hapagerAsTheDefaultFactoryWithBootAllBootsTheEngineAndItsDatabases() throws Exception {
        try (DerbyCluster cluster = new DerbyCluster("plain", dir)) {
            assertEquals(List.of("rows 1", "engine down", "rows 2", "engine down"), run(cluster, "child"),
                    "the database created, then booted again by an engine whose bootAll lists the root with it there");
            assertTrue(Files.isDirectory(cluster.servers.data.resolve("volumes/shop/seg0")),
                    "the database is on the page servers, not under derby.system.home");
        }
    }

    /** Runs {@link DefaultFactoryProbe} in a JVM of its own; its lines of interest, or a failure with its output. */
    private List<String> run(DerbyCluster cluster, String name) throws Exception {
        List<String> command = DerbyCrashTest.childJvm(cluster, dir, DefaultFactoryProbe.class);
        Path home = Files.createDirectories(dir.resolve("home-" + name));
        command.addAll(command.size() - 1, List.of(
                "-Dderby.subSubProtocol.directory=" + HapagerStorageFactory.class.getName(),
                "-Dderby.system.bootAll=true",
                "-Dderby.system.home=" + home));
        command.add(cluster.name + "/shop");
        Path output = dir.resolve(name + ".out");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        String out = Files.readString(output, StandardCharsets.UTF_8);
        assertTrue(exited, "the " + name + " probe JVM exits within 60 s; its output:\n" + out);
        assertEquals(0, p.exitValue(), "the " + name + " probe JVM failed:\n" + out);
        return out.lines().filter(l -> l.startsWith("rows ") || l.equals("engine down")).toList();
    }
}
