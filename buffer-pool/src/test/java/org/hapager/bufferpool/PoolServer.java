package org.hapager.bufferpool;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hapager.pager.PagerClient;
import org.hapager.pager.PagerConfig;
import org.hapager.server.process.PageServerProcess;

/** One real page-server process and clients of it; closing stops them all. */
final class PoolServer implements AutoCloseable {

    final Path token;
    final PageServerProcess server;
    private final List<PagerClient> clients = new ArrayList<>();

    PoolServer(Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        token = dir.resolve("token");
        server = PageServerProcess.start(data, token);
    }

    PagerClient client() throws Exception {
        PagerClient client = PagerClient.connect(PagerConfig.builder().servers(server.address()).tokenFile(token)
                .lease(Duration.ofSeconds(1)).meterRegistry(new SimpleMeterRegistry()).build());
        clients.add(client);
        return client;
    }

    @Override
    public void close() {
        clients.forEach(PagerClient::close);
        server.close();
    }
}
