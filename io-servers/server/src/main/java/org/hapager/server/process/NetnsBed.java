package org.hapager.server.process;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Hosts as Linux network namespaces on this machine: a test bed for what crosses a network.
 *
 * <h2>Layout</h2>
 * One namespace per host ({@code hpbed<pid>x<n>-<host>}), each with loopback and {@code eth0}, an address on a
 * private /24 chosen at random, joined by veth pairs to a bridge in a switch namespace
 * ({@code hpbed<pid>x<n>-sw}). Nothing is created in the namespace this JVM runs in: no interface, route or
 * firewall rule of the machine changes. All hosts share this machine's file system, as a cluster file system
 * would give them the shared storage, and its process ids, so a page server's default fencing command
 * ({@code kill -KILL {pid}}) reaches a holder on another "host".
 *
 * <h2>Cuts</h2>
 * {@link #cut(String, String)} drops every packet from one host to another with an nftables rule in the
 * receiver's input hook: the sender sees silence, never a reset or an error, as with a dead link or a
 * partition. Cuts are one-way; {@link #cutBoth} cuts both ways; {@link #heal} and {@link #healAll} lift them.
 * Each change rewrites the receiver's rule set in one {@code nft -f} transaction.
 *
 * <h2>Fencing</h2>
 * {@link #fenceCommand()} is a fence agent for page servers on the bed's hosts ({@code --fence-command}): given
 * the holder's host address and pid, it kills that process only if it runs in that host's namespace, and exits 0
 * once the process is gone (or was gone already); a pid that runs elsewhere is refused with exit 1.
 *
 * <h2>Life</h2>
 * {@link #create} builds every namespace or none; {@link #close} deletes them (which deletes their links and
 * rules). Namespaces of a bed whose JVM died without closing it are deleted by the next {@link #create}.
 * Needs root, {@code ip} (iproute2) and {@code nft} (nftables); {@link #unavailable()} says what is missing.
 *
 * <p>Thread-safety: the methods are synchronized; a bed is meant for one test.
 */
public final class NetnsBed implements AutoCloseable {

    private static final String PREFIX = "hpbed";
    private static final long COMMAND_DEADLINE_SECONDS = 20;

    private final String name;
    private final String switchNamespace;
    /** host → its address, in the order given. */
    private final Map<String, String> addresses = new LinkedHashMap<>();
    /** Cut directions, as {from, to}. */
    private final Set<List<String>> cuts = new LinkedHashSet<>();
    /** Holds the fence agent; deleted by {@link #close}. */
    private Path scripts;
    /** False for a bed {@link #attach attached} to in another process: its creator removes it. */
    private final boolean owned;
    private boolean closed;

    private NetnsBed(String name, boolean owned) {
        this.name = name;
        this.switchNamespace = name + "-sw";
        this.owned = owned;
    }

    /**
     * One line that {@link #attach} turns back into this bed in another process (one started on a host of it):
     * the bed's name, the fence agent's directory, and each host with its address.
     */
    public synchronized String describe() {
        StringBuilder line = new StringBuilder(name).append(' ').append(scripts);
        addresses.forEach((host, address) -> line.append(' ').append(host).append('=').append(address));
        return line.toString();
    }

    /**
     * The bed that {@link #describe} described, to start processes on its hosts and cut its links from this
     * process. Closing it removes nothing: its creator does. The cuts made through it are its own.
     */
    public static NetnsBed attach(String description) {
        String[] words = description.strip().split(" ");
        if (words.length < 3 || !words[0].matches(PREFIX + "\\d+x\\d+")) {
            throw new IllegalArgumentException("not a test bed's description: '" + description + "'");
        }
        NetnsBed bed = new NetnsBed(words[0], false);
        bed.scripts = Path.of(words[1]);
        for (int i = 2; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            if (eq <= 0 || !Files.exists(Path.of("/run/netns", bed.namespace(words[i].substring(0, eq))))) {
                throw new IllegalArgumentException("host '" + words[i] + "' of test bed " + words[0] + " does not exist");
            }
            bed.addresses.put(words[i].substring(0, eq), words[i].substring(eq + 1));
        }
        return bed;
    }

    /**
     * Why a bed cannot be built on this machine (not root, {@code ip} or {@code nft} missing, namespaces not
     * permitted), or null if it can.
     */
    public static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "the network-namespace test bed needs root (running as " + System.getProperty("user.name") + ")";
        }
        for (List<String> probe : List.of(List.of("ip", "-V"), List.of("nft", "--version"))) {
            try {
                run(probe, null);
            } catch (RuntimeException e) {
                return "the network-namespace test bed needs '" + probe.get(0) + "' (Debian: "
                        + (probe.get(0).equals("ip") ? "iproute2" : "nftables") + "): " + e.getMessage();
            }
        }
        String probe = PREFIX + ProcessHandle.current().pid() + "probe";
        try {
            run(List.of("ip", "netns", "add", probe), null);
            run(List.of("ip", "netns", "del", probe), null);
        } catch (RuntimeException e) {
            return "this machine does not let the test bed create a network namespace: " + e.getMessage();
        }
        return null;
    }

    /**
     * For tests that need a bed: null if one can be built; otherwise why not, to skip with, unless
     * {@code -Dhapager.requireNetns=true} (CI) makes that an {@link IllegalStateException}.
     */
    public static String unavailableUnlessRequired() {
        String unavailable = unavailable();
        if (unavailable != null && Boolean.getBoolean("hapager.requireNetns")) {
            throw new IllegalStateException(unavailable + " (required: -Dhapager.requireNetns=true)");
        }
        return unavailable;
    }

    /** Builds a bed with one host per name (lower-case letters and digits, at most 8 characters). */
    public static NetnsBed create(String... hosts) {
        if (hosts.length == 0 || hosts.length > 200) {
            throw new IllegalArgumentException("a bed has 1 to 200 hosts, not " + hosts.length);
        }
        removeStale();
        NetnsBed bed = new NetnsBed(PREFIX + ProcessHandle.current().pid() + "x" + ThreadLocalRandom.current().nextInt(1 << 20),
                true);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String subnet = "10." + (100 + random.nextInt(100)) + "." + random.nextInt(256) + ".";
        try {
            bed.ip("netns", "add", bed.switchNamespace);
            bed.ipIn(bed.switchNamespace, "link", "set", "lo", "up");
            bed.ipIn(bed.switchNamespace, "link", "add", "br0", "type", "bridge");
            bed.ipIn(bed.switchNamespace, "link", "set", "br0", "up");
            for (int i = 0; i < hosts.length; i++) {
                String host = hosts[i];
                if (!host.matches("[a-z0-9]{1,8}") || bed.addresses.containsKey(host)) {
                    throw new IllegalArgumentException("host name '" + host + "': expected 1-8 lower-case letters or digits,"
                            + " each name once");
                }
                String namespace = bed.namespace(host);
                String address = subnet + (i + 2);
                bed.ip("netns", "add", namespace);
                bed.addresses.put(host, address);
                bed.ipIn(bed.switchNamespace, "link", "add", "v" + i, "type", "veth", "peer", "name", "eth0", "netns", namespace);
                bed.ipIn(bed.switchNamespace, "link", "set", "v" + i, "master", "br0", "up");
                bed.ipIn(namespace, "link", "set", "lo", "up");
                bed.ipIn(namespace, "addr", "add", address + "/24", "dev", "eth0");
                bed.ipIn(namespace, "link", "set", "eth0", "up");
                bed.rules(host);
            }
            bed.writeFenceAgent();
        } catch (RuntimeException | Error e) {
            bed.close();
            throw e;
        }
        return bed;
    }

    /** The bed's name: every namespace of it is named {@code NAME-HOST}. */
    public String name() {
        return name;
    }

    /** The hosts, in the order given to {@link #create}. */
    public synchronized List<String> hosts() {
        return List.copyOf(addresses.keySet());
    }

    /** {@code host}'s address on the bed's subnet. */
    public synchronized String address(String host) {
        String address = addresses.get(host);
        if (address == null) {
            throw new IllegalArgumentException("no host '" + host + "' in this bed (hosts: " + addresses.keySet() + ")");
        }
        return address;
    }

    /** The network namespace of {@code host}. */
    public String namespace(String host) {
        return name + "-" + host;
    }

    /** The command prefix that runs a program on {@code host}: {@code ip netns exec NS}. It execs the program. */
    public synchronized List<String> exec(String host) {
        address(host);
        return List.of("ip", "netns", "exec", namespace(host));
    }

    /**
     * The {@code --fence-command} template of the bed's fence agent: {@code sh AGENT {host} {pid}} (see the class
     * comment).
     */
    public synchronized String fenceCommand() {
        return "sh " + scripts.resolve("fence-agent") + " {host} {pid}";
    }

    private void writeFenceAgent() {
        StringBuilder agent = new StringBuilder()
                .append("#!/bin/sh\n")
                .append("# Fence agent of the hapager test bed ").append(name).append(": kills page server pid $2 on the host")
                .append(" whose address is $1.\n")
                .append("# Exit 0 only once that process is gone; 1 if the pid runs on another host.\n")
                .append("set -u\n")
                .append("case \"$1\" in\n");
        addresses.forEach((host, address) -> agent.append("  ").append(address).append(") ns=").append(namespace(host))
                .append(" ;;\n"));
        agent.append("  *) echo \"fence agent: no host $1 in bed ").append(name).append("\" >&2; exit 1 ;;\n")
                .append("esac\n")
                .append("if ! ip netns pids \"$ns\" | grep -qx \"$2\"; then\n")
                .append("  if kill -0 \"$2\" 2>/dev/null; then echo \"fence agent: pid $2 does not run on host $1 ($ns)\" >&2;")
                .append(" exit 1; fi\n")
                .append("  echo \"fence agent: pid $2 on host $1 is gone already\"; exit 0\n")
                .append("fi\n")
                .append("kill -KILL \"$2\"\n")
                .append("# gone once reaped; the page server's fence timeout bounds this wait\n")
                .append("while kill -0 \"$2\" 2>/dev/null; do sleep 0.02; done\n")
                .append("echo \"fence agent: killed pid $2 on host $1 ($ns)\"\n");
        try {
            scripts = Files.createTempDirectory(name);
            Files.writeString(scripts.resolve("fence-agent"), agent.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the bed's fence agent", e);
        }
    }

    /** From now on every packet from {@code from} to {@code to} is dropped on arrival, silently. */
    public synchronized void cut(String from, String to) {
        address(from);
        address(to);
        if (cuts.add(List.of(from, to))) {
            rules(to);
        }
    }

    /** {@link #cut} in both directions. */
    public synchronized void cutBoth(String a, String b) {
        cut(a, b);
        cut(b, a);
    }

    /** Lifts the cuts between {@code a} and {@code b}, both ways. */
    public synchronized void heal(String a, String b) {
        if (cuts.remove(List.of(a, b))) {
            rules(b);
        }
        if (cuts.remove(List.of(b, a))) {
            rules(a);
        }
    }

    /** Lifts every cut. */
    public synchronized void healAll() {
        Set<String> receivers = new LinkedHashSet<>();
        cuts.forEach(c -> receivers.add(c.get(1)));
        cuts.clear();
        receivers.forEach(this::rules);
    }

    /** Deletes the bed's namespaces (and with them their links and rules). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed || !owned) {
            closed = true;
            return;
        }
        closed = true;
        List<String> namespaces = new ArrayList<>();
        addresses.keySet().forEach(h -> namespaces.add(namespace(h)));
        namespaces.add(switchNamespace);
        RuntimeException failure = null;
        for (String namespace : namespaces) {
            try {
                if (Files.exists(Path.of("/run/netns", namespace))) {
                    ip("netns", "del", namespace);
                }
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (scripts != null) {
            try {
                Files.deleteIfExists(scripts.resolve("fence-agent"));
                Files.deleteIfExists(scripts);
            } catch (IOException e) {
                failure = failure == null ? new UncheckedIOException("cannot delete " + scripts, e) : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Rewrites {@code host}'s input rules from {@link #cuts}, in one transaction. */
    private void rules(String host) {
        StringBuilder script = new StringBuilder()
                .append("table inet hapager_bed {}\n")
                .append("delete table inet hapager_bed\n")
                .append("table inet hapager_bed {\n")
                .append("  chain input {\n")
                .append("    type filter hook input priority 0; policy accept;\n");
        for (List<String> cut : cuts) {
            if (cut.get(1).equals(host)) {
                script.append("    ip saddr ").append(addresses.get(cut.get(0))).append(" drop\n");
            }
        }
        script.append("  }\n}\n");
        run(List.of("ip", "netns", "exec", namespace(host), "nft", "-f", "-"), script.toString());
    }

    private void ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        run(command, null);
    }

    private void ipIn(String namespace, String... args) {
        List<String> command = new ArrayList<>(List.of("ip", "-n", namespace));
        command.addAll(List.of(args));
        run(command, null);
    }

    /** Deletes namespaces of beds whose JVM is gone. */
    private static void removeStale() {
        Path dir = Path.of("/run/netns");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path entry : entries.toList()) {
                String namespace = entry.getFileName().toString();
                if (!namespace.startsWith(PREFIX) || namespace.indexOf('x') < 0) {
                    continue;
                }
                String pid = namespace.substring(PREFIX.length(), namespace.indexOf('x'));
                if (pid.matches("\\d{1,10}") && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
                    run(List.of("ip", "netns", "del", namespace), null);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** Runs {@code command}, feeding it {@code input} if not null; throws with its output unless it exits 0. */
    private static void run(List<String> command, String input) {
        String what = "'" + String.join(" ", command) + "'";
        Path log = null;
        try {
            log = Files.createTempFile("hpbed", ".out");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try (OutputStream in = process.getOutputStream()) {
                if (input != null) {
                    in.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!process.waitFor(COMMAND_DEADLINE_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(what + " did not end within " + COMMAND_DEADLINE_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(what + " exited with " + process.exitValue() + ": "
                        + Files.readString(log).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + what, e);
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException e) {
                    // a temporary file left behind
                }
            }
        }
    }
}
