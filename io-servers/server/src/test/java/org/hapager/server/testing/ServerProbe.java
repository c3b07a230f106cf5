package org.hapager.server.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hapager.server.process.PageServerProcess;
import org.hapager.testkit.Await;

/**
 * Looking at a real page-server process from outside: its resident memory from /proc, and its Prometheus
 * metrics (the server must run with {@code --metrics-port}); and waiting, with a deadline, for what only
 * polling can observe there.
 */
public final class ServerProbe {

    /** How long {@link #awaitTrue} waits. */
    public static final Duration AWAIT_TRUE_LIMIT = Duration.ofSeconds(30);

    private static final Pattern METRICS_AT = Pattern.compile("metrics at (http://\\S+/metrics)");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private ServerProbe() {
    }

    /** The resident set size (VmRSS) of process {@code pid}, in bytes (/proc counts whole KiB). */
    public static long rssBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }

    /** The metrics endpoint the server announced in its output; fails with the output if it announced none. */
    public static String metricsUrl(PageServerProcess server) {
        Matcher m = METRICS_AT.matcher(server.output());
        assertTrue(m.find(), server.output());
        return m.group(1);
    }

    /** The whole text the metrics endpoint at {@code url} answers now. */
    public static String metricsText(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new AssertionError("scraping " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * The value of sample {@code name} in {@code metricsText}, or -1 if there is no such line. {@code name} is
     * the sample's name with its tags as the server writes them, e.g. {@code hapager_server_sessions} or
     * {@code jvm_buffer_memory_used_bytes{id="direct"}}.
     */
    public static double sample(String metricsText, String name) {
        for (String line : metricsText.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return -1;
    }

    /** The value of sample {@code name} at the endpoint {@code url} now, or -1 if the server does not export it. */
    public static double scrape(String url, String name) {
        return sample(metricsText(url), name);
    }

    /** The value of counter (or gauge) {@code name} in {@code metricsText}, 0 if absent: a counter not yet counted. */
    public static long counter(String metricsText, String name) {
        double value = sample(metricsText, name);
        return value < 0 ? 0 : (long) value;
    }

    /**
     * Polls the server's metrics until {@code name} has {@code value} (0 while absent); past {@code within}, fails
     * with what the metrics and the end of the server's output say.
     */
    public static void awaitCounter(PageServerProcess server, String name, long value, Duration within) {
        String url = metricsUrl(server);
        String[] metrics = {""};
        Await.until(name + " to be " + value, within, () -> counter(metrics[0] = metricsText(url), name) == value,
                () -> name + " is " + counter(metrics[0], name) + "\n" + metrics[0] + "\nserver output:\n" + tail(server.output()));
    }

    /**
     * Polls {@code condition} (typically on the server's metrics) until it holds; past {@link #AWAIT_TRUE_LIMIT},
     * fails naming {@code what} with the server's output.
     */
    public static void awaitTrue(BooleanSupplier condition, String what, PageServerProcess server) {
        Await.until(what, AWAIT_TRUE_LIMIT, condition, () -> "server output:\n" + server.output());
    }

    /** The last 4000 characters of a process's output, for failure messages. */
    public static String tail(String output) {
        return output.length() <= 4000 ? output : "..." + output.substring(output.length() - 4000);
    }
}
