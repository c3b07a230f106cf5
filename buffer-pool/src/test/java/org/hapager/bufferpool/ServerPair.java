package org.hapager.bufferpool;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hapager.pager.PagerClient;
import org.hapager.pager.PagerConfig;
import org.hapager.server.process.PageServerProcess;

/**
 * Two page-server processes over one data directory and token (primary and secondary), and clients of
 * them; closing stops every process and client it made. Copied, trimmed, from the pager's tests.
 */
final class ServerPair implements AutoCloseable {

    final Path data;
    final Path token;
    final PageServerProcess primary;
    final PageServerProcess secondary;
    private final List<PagerClient> clients = new ArrayList<>();

    ServerPair(Path dir) throws Exception {
        data = Files.createDirectories(dir.resolve("data"));
        token = dir.resolve("token");
        primary = PageServerProcess.start(data, token);
        secondary = PageServerProcess.start(data, token);
    }

    /** A client of both servers that fails over (lease 500 ms). */
    PagerClient client() throws Exception {
        return client(primary.address(), secondary.address());
    }

    /** A client of just these servers. */
    PagerClient client(InetSocketAddress... servers) throws Exception {
        PagerClient client = PagerClient.connect(PagerConfig.builder().servers(servers).tokenFile(token)
                .lease(Duration.ofMillis(500)).failoverDeadline(Duration.ofSeconds(30))
                .connectTimeout(Duration.ofSeconds(2)).meterRegistry(new SimpleMeterRegistry()).build());
        clients.add(client);
        return client;
    }

    /** The process behind {@code address} (a client's current server), or null. */
    PageServerProcess at(InetSocketAddress address) {
        if (address == null) {
            return null;
        }
        return address.equals(primary.address()) ? primary : address.equals(secondary.address()) ? secondary : null;
    }

    PageServerProcess other(PageServerProcess p) {
        return p == primary ? secondary : primary;
    }

    @Override
    public void close() {
        clients.forEach(PagerClient::close);
        for (PageServerProcess p : new PageServerProcess[] {primary, secondary}) {
            if (p.isAlive()) {
                p.sigcont();
            }
            p.close();
        }
    }
}
