package org.hapager.pager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hapager.server.process.PageServerProcess;

/**
 * Two page-server processes over one data directory and token (the patent's primary and secondary), and
 * clients of them. Tests close it; every process and client it made is stopped. Public in the pager's test
 * jar: the buffer pool's failover tests use it too.
 */
public final class ServerPair implements AutoCloseable {

    public final Path data;
    public final Path token;
    public PageServerProcess primary;
    public PageServerProcess secondary;
    private final List<PagerClient> clients = new ArrayList<>();

    public ServerPair(Path dir, List<String> primaryArgs, List<String> secondaryArgs) throws Exception {
        data = Files.createDirectories(dir.resolve("data"));
        token = dir.resolve("token");
        primary = PageServerProcess.start(data, token, primaryArgs.toArray(String[]::new));
        secondary = PageServerProcess.start(data, token, secondaryArgs.toArray(String[]::new));
    }

    public ServerPair(Path dir) throws Exception {
        this(dir, List.of(), List.of());
    }

    /** A client of both servers, primary first, that fails over. */
    public PagerClient client(Duration lease, Duration failoverDeadline) throws Exception {
        return client(lease, failoverDeadline, primary.address(), secondary.address());
    }

    /** A client of both servers with a 500 ms lease and a 30 s failover deadline. */
    public PagerClient client() throws Exception {
        return client(Duration.ofMillis(500), Duration.ofSeconds(30));
    }

    /** A client of just these servers. */
    public PagerClient client(java.net.InetSocketAddress... servers) throws Exception {
        return client(Duration.ofMillis(500), Duration.ofSeconds(30), servers);
    }

    private PagerClient client(Duration lease, Duration failoverDeadline, java.net.InetSocketAddress... servers) throws Exception {
        PagerClient client = PagerClient.connect(PagerConfig.builder().servers(servers)
                .tokenFile(token).lease(lease).failoverDeadline(failoverDeadline)
                .connectTimeout(Duration.ofSeconds(2)).build());
        clients.add(client);
        return client;
    }

    /** The process behind {@code address} (the client's current server), or null. */
    public PageServerProcess at(java.net.InetSocketAddress address) {
        if (address == null) {
            return null;
        }
        return address.equals(primary.address()) ? primary : address.equals(secondary.address()) ? secondary : null;
    }

    /** The other server of the pair. */
    public PageServerProcess other(PageServerProcess p) {
        return p == primary ? secondary : primary;
    }

    /** Starts a dead server's process again on its port, with the same data directory and token. */
    public PageServerProcess restart(PageServerProcess dead) {
        return restart(dead, List.of());
    }

    /** Stops {@code server} if it runs and starts it again on its port with {@code args}. */
    public PageServerProcess restart(PageServerProcess server, List<String> args) {
        server.close();
        PageServerProcess again = PageServerProcess.start(data, token, server.port(), args.toArray(String[]::new));
        if (server == primary) {
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
