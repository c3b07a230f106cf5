package org.hapager.cli.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.hapager.cli.metrics.PrometheusText.Family;
import org.hapager.cli.metrics.PrometheusText.FormatException;
import org.hapager.cli.metrics.PrometheusText.Sample;
import org.hapager.cli.metrics.PrometheusText.Type;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    /** Every construct of the format once: the example of the exposition format documentation and more. */
    private static final String WELL_FORMED = """
            # A normal comment, and an empty line next.

            # HELP http_requests_total The total number of HTTP requests.
            # TYPE http_requests_total counter
            http_requests_total{method="post",code="200"} 1027 1395066363000
            http_requests_total{method="post",code="400"}    3 1395066363000
            # Escaping in label values:
            msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
            # Minimalistic line, a trailing comma, tabs, odd values:
            metric_without_timestamp_and_labels 12.47
            trailing_comma{a="1",}\t-Inf
            something_weird{problem="division by zero"} +Inf -3982045
            not_a_number NaN
            ns:colons_ok{empty=""} .5e-3
            # HELP doc_escapes Backslash \\\\ and\\nnew line.
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{le="0.05"} 24054
            http_request_duration_seconds_bucket{le="0.1"} 33444
            http_request_duration_seconds_bucket{le="+Inf"} 144320
            http_request_duration_seconds_sum 53423
            http_request_duration_seconds_count 144320
            # HELP rpc_duration_seconds A summary of the RPC duration in seconds.
            # TYPE rpc_duration_seconds summary
            rpc_duration_seconds{quantile="0.01"} 3102
            rpc_duration_seconds{quantile="0.5"} 4773
            rpc_duration_seconds{quantile="0.99"} 76656
            rpc_duration_seconds_sum 1.7560473e+07
            rpc_duration_seconds_count 2693
            """;

    @Test
    void readsWellFormedExposition() {
        Map<String, Family> families = PrometheusText.parse(WELL_FORMED);
        assertEquals(List.of("http_requests_total", "msdos_file_access_time_seconds", "metric_without_timestamp_and_labels",
                "trailing_comma", "something_weird", "not_a_number", "ns:colons_ok", "doc_escapes",
                "http_request_duration_seconds", "rpc_duration_seconds"), List.copyOf(families.keySet()));

        Family requests = families.get("http_requests_total");
        assertEquals(Type.COUNTER, requests.type());
        assertEquals("The total number of HTTP requests.", requests.help());
        assertEquals(new Sample("http_requests_total", Map.of("method", "post", "code", "400"), 3,
                OptionalLong.of(1395066363000L)), requests.samples().get(1));

        Sample file = families.get("msdos_file_access_time_seconds").samples().get(0);
        assertEquals("C:\\DIR\\FILE.TXT", file.label("path"));
        assertEquals("Cannot find file:\n\"FILE.TXT\"", file.label("error"));
        assertEquals(1.458255915e9, file.value());
        assertEquals(Type.UNTYPED, families.get("metric_without_timestamp_and_labels").type());
        assertEquals(Map.of("a", "1"), families.get("trailing_comma").samples().get(0).labels());
        assertEquals(Double.NEGATIVE_INFINITY, families.get("trailing_comma").samples().get(0).value());
        Sample weird = families.get("something_weird").samples().get(0);
        assertEquals(Double.POSITIVE_INFINITY, weird.value());
        assertEquals(OptionalLong.of(-3982045), weird.timestamp());
        assertTrue(Double.isNaN(families.get("not_a_number").samples().get(0).value()));
        assertEquals(0.5e-3, families.get("ns:colons_ok").samples().get(0).value());
        assertEquals("Backslash \\ and\nnew line.", families.get("doc_escapes").help());
        assertTrue(families.get("doc_escapes").samples().isEmpty());

        Family histogram = families.get("http_request_duration_seconds");
        assertEquals(Type.HISTOGRAM, histogram.type());
        assertEquals(5, histogram.samples().size());
        assertEquals(144320, histogram.samples("http_request_duration_seconds_count").get(0).value());
        Family summary = families.get("rpc_duration_seconds");
        assertEquals(Type.SUMMARY, summary.type());
        assertEquals("0.99", summary.samples("rpc_duration_seconds").get(2).label("quantile"));
        assertEquals(2693, summary.samples("rpc_duration_seconds_count").get(0).value());
    }

    @Test
    void emptyExpositionHasNoFamilies() {
        assertTrue(PrometheusText.parse("").isEmpty());
        assertTrue(PrometheusText.parse("\n# just a comment\n").isEmpty());
    }

    @Test
    void rejectsBadNames() {
        rejects("0abc 1\n", 1, "bad metric name");
        rejects("a-b 1\n", 1, "bad metric name");
        rejects("ok 1\nbad.name 2\n", 2, "bad metric name");
        rejects("# TYPE 9lives counter\n", 1, "bad metric name");
        rejects("# HELP a-b help\n", 1, "bad metric name");
        rejects("a{0x=\"1\"} 1\n", 1, "bad label name");
        rejects("a{x:y=\"1\"} 1\n", 1, "bad label name");
        rejects("a{,} 1\n", 1, "bad label name");
    }

    @Test
    void rejectsMalformedLabels() {
        rejects("a{x=\"1} 1\n", 1, "unterminated label value");
        rejects("a{x=\"1\\\"} 1\n", 1, "unterminated label value");
        rejects("a{x=\"\\t\"} 1\n", 1, "bad escape \\t");
        rejects("# HELP a bad \\q escape\n", 1, "bad escape \\q");
        rejects("# HELP a no \\\" in help\n", 1, "bad escape \\\"");
        rejects("a{x=1} 1\n", 1, "expected '\"'");
        rejects("a{x=\"1\" y=\"2\"} 1\n", 1, "expected ',' or '}'");
        rejects("a{x \"1\"} 1\n", 1, "expected '='");
        rejects("a{x=\"1\",x=\"2\"} 1\n", 1, "label x twice");
    }

    @Test
    void rejectsBadValuesAndTimestamps() {
        rejects("a\n", 1, "missing value");
        rejects("a{x=\"1\"}\n", 1, "missing value");
        rejects("a one\n", 1, "bad value 'one'");
        rejects("a 1.2.3\n", 1, "bad value");
        rejects("a 0x10\n", 1, "bad value");
        rejects("a 1d\n", 1, "bad value");
        rejects("a 1e\n", 1, "bad value");
        rejects("a 1 2.5\n", 1, "bad timestamp");
        rejects("a 1 99999999999999999999\n", 1, "bad timestamp");
        rejects("a 1 2 3\n", 1, "unexpected text after the value");
        rejects("a 1\r\n", 1, "bad value");
        rejects("a 1", 1, "does not end with a line feed");
    }

    @Test
    void rejectsMisplacedOrRepeatedMetadata() {
        rejects("a 1\n# TYPE a gauge\n", 2, "TYPE for a after its samples");
        rejects("a 1\n# HELP a late\n", 2, "HELP for a after its samples");
        rejects("# TYPE a gauge\n# TYPE a gauge\na 1\n", 2, "duplicate TYPE for a");
        rejects("# HELP a one\n# HELP a two\na 1\n", 2, "duplicate HELP for a");
        rejects("# TYPE a gauges\n", 1, "unknown type 'gauges'");
        rejects("# TYPE a Counter\n", 1, "unknown type 'Counter'");
        rejects("# TYPE a\n", 1, "unknown type ''");
        rejects("# TYPE a gauge extra\n", 1, "unexpected text after the type");
    }

    @Test
    void rejectsNonContiguousFamiliesAndDuplicateSeries() {
        rejects("a{x=\"1\"} 1\nb 1\na{x=\"2\"} 2\n", 3, "lines of family a are not contiguous");
        rejects("# HELP a doc\n# HELP b doc\n# TYPE a gauge\n", 3, "lines of family a are not contiguous");
        rejects("a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n", 2, "duplicate series");
        rejects("a 1\na 2\n", 2, "duplicate series");
        // label values that look alike when printed are different series
        PrometheusText.parse("a{x=\"1, y=2\"} 1\na{x=\"1\",y=\"2\"} 2\n");
    }

    @Test
    void checksHistogramsAndSummaries() {
        String head = "# TYPE h histogram\n";
        rejects(head + "h 1\n", 2, "histogram h has samples h_bucket, _sum and _count only");
        rejects(head + "h_bucket 1\n", 2, "h_bucket needs a le label");
        rejects(head + "h_bucket{le=\"x\"} 1\n", 2, "bad le 'x'");
        rejects(head + "h_count{le=\"1\"} 1\n", 2, "h_count has a le label");
        rejects(head + "h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n", 3, "le values of h_bucket{} are not increasing");
        rejects(head + "h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n", 3, "bucket counts of h_bucket{} decrease");
        rejects(head + "h_bucket{le=\"1\"} 2\nh_count 2\n", 3, "le=\"+Inf\" bucket must exist");
        rejects(head + "h_bucket{le=\"+Inf\"} 2\nh_count 3\nnext 1\n", 3, "le=\"+Inf\" bucket must exist and equal h_count");
        PrometheusText.parse(head + "h_bucket{x=\"a\",le=\"1\"} 1\nh_bucket{x=\"a\",le=\"+Inf\"} 1\n"
                + "h_bucket{x=\"b\",le=\"1\"} 0\nh_bucket{x=\"b\",le=\"+Inf\"} 4\nh_count{x=\"a\"} 1\nh_count{x=\"b\"} 4\n");

        String summary = "# TYPE s summary\n";
        rejects(summary + "s 1\n", 2, "s needs a quantile label");
        rejects(summary + "s_sum{quantile=\"0.5\"} 1\n", 2, "s_sum has a quantile label");
        rejects(summary + "s{quantile=\"0.9\"} 1\ns{quantile=\"0.5\"} 1\n", 3, "quantile values of s{} are not increasing");
        // without a TYPE, suffixed names are families of their own
        assertEquals(List.of("u_bucket", "u_count"), List.copyOf(PrometheusText.parse("u_bucket 1\nu_count 1\n").keySet()));
    }

    private static void rejects(String exposition, int line, String problem) {
        FormatException e = assertThrows(FormatException.class, () -> PrometheusText.parse(exposition), exposition);
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().startsWith("line " + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), () -> "expected '" + problem + "' in: " + e.getMessage());
        String text = exposition.split("\n", -1)[line - 1];
        assertTrue(e.getMessage().endsWith(": " + text), () -> "expected the line's text in: " + e.getMessage());
    }
}
