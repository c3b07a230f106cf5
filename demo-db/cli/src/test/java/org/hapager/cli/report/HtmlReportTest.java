package org.hapager.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hapager.workload.result.RunEvent;
import org.hapager.workload.result.StorageFigure;
import org.hapager.workload.result.WorkloadResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's HTML without a browser: self-contained, every section there, hostile strings inert, written atomically. */
class HtmlReportTest {

    private static final Pattern DATA =
            Pattern.compile("<script type=\"application/json\" id=\"report-data\">(.*?)</script>", Pattern.DOTALL);

    @TempDir
    Path tmp;

    @Test
    void thePageIsSelfContainedWithUplotInlined() {
        String html = HtmlReport.render(SampleResults.tpccLike(), "TPC-C");
        String lower = html.toLowerCase(Locale.ROOT);
        for (String external : List.of("src=\"http", "src='http", "href=\"http", "href='http", "src=\"//", "href=\"//",
                "<link", "@import", "import(", "type=\"module\"", "url(http", "url(//", "<iframe", "<script src")) {
            assertFalse(lower.contains(external), "external reference " + external);
        }
        assertFalse(Pattern.compile("\\bimport\\s*[{*\"']").matcher(html).find(), "an ES module import");
        assertTrue(html.contains("var uPlot=function"), "uPlot's script is inlined");
        assertTrue(html.contains(".uplot {"), "uPlot's stylesheet is inlined");
        assertTrue(html.contains("The MIT License") && html.contains("Leon Sorokin"), "uPlot's licence goes with it");
        assertTrue(html.contains("document.body") && html.contains("JSON.parse"), "report.js is inlined");
        assertEquals(3, count(lower, "<script"), "the data, uPlot and report.js");
        assertEquals(3, count(lower, "</script"));
    }

    @Test
    void hapagerChaossFaultsHaveColoursAndLegendEntriesWhenTheyOccur() {
        WorkloadResult r = SampleResults.tpccLike();
        List<RunEvent> events = new ArrayList<>(r.events());
        events.add(new RunEvent(25.0, "both_down", "#7 kill -9 of both page servers"));
        events.add(new RunEvent(27.0, "sigterm", "#8 SIGTERM of the serving page server"));
        events.add(new RunEvent(28.0, "lock_lost", "1 database lock(s) lost"));
        String chaos = HtmlReport.render(new WorkloadResult(r.run(), r.config(), r.storage(), events, r.checks()), "chaos");
        for (String part : List.of("background:#8c1c13\"></span>both_down", "background:#9467bd\"></span>sigterm",
                "background:#e377c2\"></span>lock_lost", ">both_down<", ">sigterm<", ">lock_lost<")) {
            assertTrue(chaos.contains(part), "missing " + part);
        }
        String data = data(chaos);
        assertTrue(data.contains("{\"at\":25,\"kind\":\"both_down\",\"color\":\"#8c1c13\"}"), data);
        String plain = HtmlReport.render(r, "no chaos");
        assertFalse(plain.contains("</span>both_down") || plain.contains("</span>sigterm"), "only the kinds that occur");
    }

    @Test
    void everySectionIsThere() {
        String html = HtmlReport.render(SampleResults.tpccLike(), "TPC-C with faults");
        for (String part : List.of("<h1>TPC-C with faults</h1>", "workload <strong>tpcc</strong>",
                "started 2025-06-02 09:14:03 UTC", "30.0 s", "8 clients", "PASSED", "all 4 checks held",
                "id=\"headline\"", ">tpmC<", ">2,645<", "id=\"chart-throughput\"", "id=\"chart-latency\"",
                "id=\"events\"", ">kill9<", ">failover<", ">sigstop<", ">fenced<", ">restart<",
                "kill -9 of 127.0.0.1:27145 (pid 4242), the serving page server", "background:#d62728",
                "id=\"transactions\"", ">stock_level<", ">p99.9 ms<", ">2,950.30<", "id=\"storage\"", ">97.31 %<",
                ">131,877<", ">48,213<", ">3.214 s<", "id=\"checks\"", "check-pass", "id=\"config\"",
                "jdbc:derby:hapager:tpcc;create=true", "Failures", "None.")) {
            assertTrue(html.contains(part), "missing " + part);
        }
        String data = data(html);
        assertTrue(data.startsWith("{\"has_tpmC\":true,\"t\":[1,2,3,"), data);
        assertTrue(data.contains("{\"at\":8,\"kind\":\"kill9\",\"color\":\"#d62728\"}"), data);
        assertTrue(data.endsWith(",\"end_s\":30.02}"), data);
    }

    @Test
    void aShortFailedRunSaysWhyAndKeepsItsFailures() {
        String html = HtmlReport.render(SampleResults.noIntervals(), null);
        for (String part : List.of("<h1>script run</h1>", "FAILED", "1 transaction failed", "No interval was recorded",
                "Not measured in this run.", "This workload runs no checks.", "id=\"failures\"", ">08006<",
                "java.sql.SQLException: connection lost", "<details><summary>stack trace</summary>",
                "at a.b.C.d(C.java:1)")) {
            assertTrue(html.contains(part), "missing " + part);
        }
        assertFalse(html.contains(">tpmC<"), "no tpmC figure for a workload without one");
        assertTrue(data(html).startsWith("{\"has_tpmC\":false,\"t\":[],\"tps\":[],"), data(html));
    }

    @Test
    void hostileStringsCannotBreakOut() {
        String html = HtmlReport.render(SampleResults.hostile(), SampleResults.HOSTILE);
        assertFalse(html.contains(SampleResults.HOSTILE));
        assertFalse(html.contains("<script>document"), "a script element from the result");
        assertFalse(html.contains("<img"), "an element from the result");
        assertFalse(html.contains("<!-- -->"), "a comment from the result");
        String lower = html.toLowerCase(Locale.ROOT);
        assertEquals(3, count(lower, "<script"), "only the report's own scripts");
        assertEquals(3, count(lower, "</script"), "nothing ends a script early");
        String escaped = "&lt;/script&gt;&lt;script&gt;document.body.dataset.pwned=&#39;1&#39;&lt;/script&gt;"
                + "&lt;img src=x onerror=&quot;document.body.dataset.pwned=&#39;2&#39;&quot;&gt; &amp; &#39;quotes&#39;";
        assertTrue(count(html, escaped) >= 8, "title, h1, verdict, event, type, failure, storage, check, config");
        assertTrue(html.contains("jdbc:derby:x;a=1&amp;b=2 &quot;q&quot; &#39;q&#39;"));
        String data = data(html);
        assertFalse(data.contains("<") || data.contains(">") || data.contains("&") || data.contains("\u2028"), data);
        assertTrue(data.contains("\"kind\":\"\\u003c/script\\u003e\\u003cscript\\u003edocument.body.dataset.pwned="
                + "'1'\\u003c/script\\u003e\\u003cimg src=x onerror=\\\"document"), data);
        assertTrue(data.contains("\\u0026 'quotes' \\\"too\\\" \\u2028 \\u003c!-- --\\u003e ]]\\u003e"), data);
    }

    @Test
    void storageFiguresAreReadable() {
        assertEquals("97.31 %", ReportText.storageValue(new StorageFigure("pool_hit_ratio", 0.97312, "")));
        assertEquals("1,234,567", ReportText.storageValue(new StorageFigure("page_reads", 1_234_567, "")));
        assertEquals("3.214 s", ReportText.storageValue(new StorageFigure("failover_stall_max_s", 3.2141, "")));
        assertEquals("12.50 ms", ReportText.storageValue(new StorageFigure("stall_p99_ms", 12.5, "")));
        assertEquals("1,234.500", ReportText.storageValue(new StorageFigure("odd", 1234.5, "")));
        assertEquals("n/a", ReportText.storageValue(new StorageFigure("pool_hit_ratio", Double.NaN, "")));
    }

    @Test
    void writeReplacesTheFileAtomicallyAndLeavesNothingBehind() throws IOException {
        Path file = tmp.resolve("reports/run.html");
        HtmlReport.write(SampleResults.noIntervals(), "first", file);
        assertTrue(Files.readString(file).contains("<h1>first</h1>"));
        HtmlReport.write(SampleResults.tpccLike(), "second", file);
        assertTrue(Files.readString(file).contains("<h1>second</h1>"));
        assertEquals(List.of(file), list(file.getParent()), "no temporary file left");
        assertEquals(HtmlReport.render(SampleResults.tpccLike(), "second"), Files.readString(file));
    }

    @Test
    void aFailedWriteLeavesNoTemporaryFile() throws IOException {
        Path dir = tmp.resolve("taken");
        Files.createDirectories(dir.resolve("inside"));
        assertThrows(IOException.class, () -> HtmlReport.write(SampleResults.tpccLike(), "x", dir));
        assertEquals(List.of(dir), list(tmp), "no temporary file left");
        assertTrue(Files.isDirectory(dir.resolve("inside")), "what was there is untouched");
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    private static String data(String html) {
        Matcher m = DATA.matcher(html);
        assertTrue(m.find(), "no report-data script");
        return m.group(1);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
