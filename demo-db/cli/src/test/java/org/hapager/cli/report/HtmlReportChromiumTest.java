package org.hapager.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hapager.workload.result.WorkloadResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report opened as a person would, in headless Chromium from a file: both charts drawn by uPlot, each with
 * its event markers, no drawing error, for a realistic TPC-C run, a run without any interval, and a result full
 * of hostile strings (none of which runs). Skipped without {@code chromium} on the PATH unless
 * {@code -Dhapager.requireChromium=true}. With {@code -Dhapager.reportScreenshot=/abs/path.png} the TPC-C
 * report's screenshot is also written there (how {@code docs/report-screenshot.png} is made).
 */
class HtmlReportChromiumTest {

    private static final Pattern BODY = Pattern.compile("<body([^>]*)>");

    @TempDir
    Path tmp;

    @Test
    void aTpccReportShowsBothChartsWithEveryEventAndMakesAScreenshot() throws Exception {
        Chromium chromium = Chromium.require();
        Path html = tmp.resolve("tpcc.html");
        HtmlReport.write(SampleResults.tpccLike(), "TPC-C: kill -9 of the serving page server, then a freeze", html);

        String dom = chromium.dumpDom(html, tmp);
        assertChartsDrawn(dom, 6);
        assertTrue(dom.contains("tpmC"), "the throughput chart has a tpmC series");

        Path png = tmp.resolve("tpcc.png");
        chromium.screenshot(html, png, 1280, 2200, tmp);
        Path blank = tmp.resolve("blank.html");
        Files.writeString(blank, "<!DOCTYPE html><html><body></body></html>");
        Path blankPng = tmp.resolve("blank.png");
        chromium.screenshot(blank, blankPng, 1280, 2200, tmp);
        long size = Files.size(png);
        long blankSize = Files.size(blankPng);
        assertTrue(size > Math.max(20_000, 5 * blankSize),
                "the screenshot (" + size + " B) looks blank (a blank page is " + blankSize + " B)");

        String copyTo = System.getProperty("hapager.reportScreenshot", "");
        if (!copyTo.isBlank()) {
            Path target = Path.of(copyTo).toAbsolutePath();
            Files.createDirectories(target.getParent());
            Files.copy(png, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void aRunWithoutIntervalsStillDrawsBothChartsWithoutAnError() throws Exception {
        Chromium chromium = Chromium.require();
        Path html = tmp.resolve("short.html");
        HtmlReport.write(SampleResults.noIntervals(), "a run shorter than a second", html);
        assertChartsDrawn(chromium.dumpDom(html, tmp), 1);
    }

    @Test
    void hostileStringsInTheResultRunNoScript() throws Exception {
        Chromium chromium = Chromium.require();
        Path html = tmp.resolve("hostile.html");
        WorkloadResult r = SampleResults.hostile();
        HtmlReport.write(r, SampleResults.HOSTILE, html);
        String dom = chromium.dumpDom(html, tmp);
        assertChartsDrawn(dom, 1);
        assertFalse(body(dom).contains("pwned"), "a hostile string ran as script: " + body(dom));
        assertFalse(dom.contains("<img src=\"x\""), "a hostile string became an element");
    }

    /** Both charts drawn, no error, a uPlot root with a canvas in each chart's element, every event marked. */
    private static void assertChartsDrawn(String dom, int events) {
        String body = body(dom);
        assertTrue(body.contains("data-charts=\"2\""), "charts drawn: " + body);
        assertFalse(body.contains("data-chart-error"), "a chart failed: " + body);
        for (String chart : new String[] {"chart-throughput", "chart-latency"}) {
            String element = element(dom, chart);
            assertTrue(element.contains("class=\"uplot"), chart + " has no uPlot root: " + element);
            assertTrue(element.contains("<canvas"), chart + " has no canvas: " + element);
            assertTrue(element.contains("data-events-drawn=\"" + events + "\""),
                    chart + " should mark " + events + " events: " + element.substring(0, Math.min(300, element.length())));
        }
        assertEquals(2, count(dom, "class=\"uplot"), "uPlot roots");
    }

    private static String body(String dom) {
        Matcher m = BODY.matcher(dom);
        assertTrue(m.find(), "no <body> in the DOM: " + dom);
        return m.group();
    }

    /** The chart's element, from its start tag to the next chart or the events heading. */
    private static String element(String dom, String id) {
        int at = dom.lastIndexOf("<div", dom.indexOf("id=\"" + id + "\""));
        assertTrue(at >= 0, "no element " + id);
        int end = dom.indexOf("<div class=\"chart\"", at + 1);
        if (end < 0) {
            end = dom.indexOf("<h3>Events</h3>", at);
        }
        return dom.substring(at, end < 0 ? dom.length() : end);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
