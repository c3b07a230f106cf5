package org.hapager.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

    /**
     * Clients that open connections and send half a request, and never the rest, even more of them than the
     * endpoint keeps, do not keep a scrape from being answered (the JDK's server handled one exchange at a time
     * and waited for a request's headers forever).
     */
    @Test
    void halfSentRequestsDoNotBlockAScrape() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.counter("probe").increment();
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), registry)) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < MetricsEndpoint.MAX_CONNECTIONS + 8; i++) { // past the cap: the oldest go
                    Socket s = new Socket("127.0.0.1", endpoint.address().getPort());
                    OutputStream out = s.getOutputStream();
                    out.write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    slow.add(s);
                }
                HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + endpoint.address().getPort() + "/metrics"))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, scrape.statusCode());
                assertTrue(scrape.body().contains("probe_total 1.0"), scrape.body());
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
        }
    }
}
