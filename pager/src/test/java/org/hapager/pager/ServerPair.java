package org.hapager.pager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hapager.server.process.PageServerProcess;

/**
 * Two page-server processes over one data directory and token (the patent's primary and secondary), and
 * clients of them. Tests close it; every process and client it made is stopped.
 */
final class ServerPair implements AutoCloseable {

    final Path data;
    final Path token;
    PageServerProcess primary;
    PageServerProcess secondary;
    private final List<PagerClient> clients = new ArrayList<>();

    ServerPair(Path dir, List<String> primaryArgs, List<String> secondaryArgs) throws Exception {
        data = Files.createDirectories(dir.resolve("data"));
        token = dir.resolve("token");
        primary = PageServerProcess.start(data, token, primaryArgs.toArray(String[]::new));
        secondary = PageServerProcess.start(data, token, secondaryArgs.toArray(String[]::new));
    }

    ServerPair(Path dir) throws Exception {
        this(dir, List.of(), List.of());
    }

    PagerClient client(Duration lease, Duration failoverDeadline) throws Exception {
        PagerClient client = PagerClient.connect(PagerConfig.builder()
                .servers(primary.address(), secondary.address())
                .tokenFile(token).lease(lease).failoverDeadline(failoverDeadline)
                .connectTimeout(Duration.ofSeconds(2)).build());
        clients.add(client);
        return client;
    }

    PagerClient client() throws Exception {
        return client(Duration.ofMillis(500), Duration.ofSeconds(30));
    }

    /** The process behind {@code address} (the client's current server), or null. */
    PageServerProcess at(java.net.InetSocketAddress address) {
        if (address == null) {
            return null;
        }
        return address.equals(primary.address()) ? primary : address.equals(secondary.address()) ? secondary : null;
    }

    /** Starts a dead server's process again on its port, with the same data directory and token. */
    PageServerProcess restart(PageServerProcess dead) {
        dead.close();
        PageServerProcess again = PageServerProcess.start(data, token, dead.port());
        if (dead == primary) {
            primary = again;
        } else {
            secondary = again;
        }
        return again;
    }

    @Override
    public void close() {
        clients.forEach(PagerClient::close);
        for (PageServerProcess p : new PageServerProcess[] {primary, secondary}) {
            if (p != null) {
                if (p.isAlive()) {
                    p.sigcont();
                }
                p.close();
            }
        }
    }
}
