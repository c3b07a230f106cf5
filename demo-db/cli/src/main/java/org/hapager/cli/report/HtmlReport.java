package org.hapager.cli.report;

import static org.hapager.cli.report.ReportText.count;
import static org.hapager.cli.report.ReportText.esc;
import static org.hapager.cli.report.ReportText.fixed;
import static org.hapager.cli.report.ReportText.scriptJson;
import static org.hapager.cli.report.ReportText.seconds;
import static org.hapager.cli.report.ReportText.storageValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.driver.FailureInfo;
import org.hapager.workload.driver.Json;
import org.hapager.workload.driver.Snapshot;
import org.hapager.workload.driver.TypeResult;
import org.hapager.workload.result.CheckResult;
import org.hapager.workload.result.RunEvent;
import org.hapager.workload.result.StorageFigure;
import org.hapager.workload.result.WorkloadResult;

/**
 * A {@link WorkloadResult} as one self-contained HTML page that opens offline: verdict, headline figures,
 * throughput and latency over time drawn by uPlot (inlined from its WebJar) with every event marked on the time
 * axis, per-transaction latency percentiles, storage figures, checks, failures kept and the configuration.
 *
 * <p>Every string from the result is escaped for HTML; the charts' data is embedded as JSON in a
 * {@code <script type="application/json">} element (with {@code < > &} and U+2028/U+2029 escaped) and read
 * with {@code JSON.parse}. After drawing, the page sets {@code body[data-charts]} to the number of charts drawn
 * and {@code body[data-chart-error]} to the message of any that failed.
 */
public final class HtmlReport {

    private static final DateTimeFormatter STARTED =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private HtmlReport() {
    }

    /** The colour an event of this kind is drawn in, on the charts and in the events table. */
    static String color(String kind) {
        return switch (kind == null ? "" : kind) {
            case "kill9" -> "#d62728";
            case "sigstop" -> "#f28e2b";
            case "failover" -> "#1f6fd1";
            case "both_down" -> "#8c1c13";
            case "sigterm" -> "#9467bd";
            case "lock_lost" -> "#e377c2";
            default -> "#7f7f7f";
        };
    }

    /** Writes the page atomically: into a temporary file beside {@code file}, then moved over it. */
    public static void write(WorkloadResult r, String title, Path file) throws IOException {
        byte[] page = render(r, title).getBytes(StandardCharsets.UTF_8);
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            Files.write(tmp, page);
            readableByAll(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** rw-r--r--, as a report is meant to be read (a temporary file is created rw-------). */
    private static void readableByAll(Path file) throws IOException {
        if (Files.getFileStore(file).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    /** The page. {@code title} is what the run was, e.g. {@code TPC-C, kill -9 of the primary at 10 s}. */
    public static String render(WorkloadResult r, String title) {
        ReportAssets assets = ReportAssets.get();
        DriverResult d = r.run();
        String heading = title == null || title.isBlank() ? d.workload() + " run" : title;
        StringBuilder h = new StringBuilder(assets.uplotJs.length() + 32_768);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta name=\"generator\" content=\"hapager ").append(esc(WorkloadResult.SCHEMA))
                .append("\">\n<title>").append(esc(heading)).append(" \u2014 ").append(esc(d.workload()))
                .append(" report</title>\n<style>\n").append(assets.uplotCss).append('\n')
                .append(assets.reportCss).append("</style>\n</head>\n<body>\n");
        header(h, r, heading);
        headline(h, r);
        charts(h, r);
        transactions(h, d);
        storage(h, r.storage());
        checks(h, r.checks());
        failures(h, d);
        config(h, r.config());
        h.append("<footer>Written by hapager (").append(esc(WorkloadResult.SCHEMA)).append("); charts drawn with uPlot ")
                .append(esc(assets.uplotVersion)).append(" (MIT licence, inlined).</footer>\n");
        h.append("<script type=\"application/json\" id=\"report-data\">").append(scriptJson(chartData(r)))
                .append("</script>\n<script>\n/*! uPlot ").append(assets.uplotVersion).append('\n')
                .append(assets.uplotLicense).append("*/\n").append(assets.uplotJs).append("\n</script>\n<script>\n")
                .append(assets.reportJs).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void header(StringBuilder h, WorkloadResult r, String heading) {
        DriverResult d = r.run();
        h.append("<header class=\"run\">\n<div class=\"titles\">\n<h1>").append(esc(heading)).append("</h1>\n")
                .append("<div class=\"meta\"><span>workload <strong>").append(esc(d.workload()))
                .append("</strong></span><span>started ").append(esc(STARTED.format(d.startedAt())))
                .append("</span><span>").append(seconds(d.durationSeconds())).append("</span><span>")
                .append(d.clients()).append(d.clients() == 1 ? " client" : " clients").append("</span></div>\n</div>\n");
        boolean passed = r.passed();
        h.append("<div class=\"verdict ").append(passed ? "pass" : "fail").append("\" id=\"verdict\"><strong>")
                .append(passed ? "PASSED" : "FAILED").append("</strong><ul>");
        for (String why : verdict(r)) {
            h.append("<li>").append(esc(why)).append("</li>");
        }
        h.append("</ul></div>\n</header>\n");
    }

    /** Why the run passed or failed, one line a reason. */
    static List<String> verdict(WorkloadResult r) {
        DriverResult d = r.run();
        List<String> why = new ArrayList<>();
        long txFailures = d.totalFailures() - d.connectFailures();
        if (txFailures > 0) {
            why.add(count(txFailures) + (txFailures == 1 ? " transaction failed" : " transactions failed"));
        }
        if (d.connectFailures() > 0) {
            why.add(count(d.connectFailures()) + " connection(s) could not be reopened");
        }
        r.checks().stream().filter(c -> !c.passed()).forEach(c -> why.add("check failed: " + c.name()));
        if (why.isEmpty()) {
            why.add("no transaction failed");
            why.add(r.checks().isEmpty() ? "no checks were run"
                    : r.checks().size() == 1 ? "the check held" : "all " + r.checks().size() + " checks held");
        }
        return why;
    }

    private static void headline(StringBuilder h, WorkloadResult r) {
        DriverResult d = r.run();
        h.append("<section class=\"figures\" id=\"headline\">\n");
        figure(h, "tps", fixed(d.tps(), 1), false);
        if (!Double.isNaN(d.perMinute())) {
            figure(h, "tpmC", fixed(d.perMinute(), 1), false);
        }
        figure(h, "committed", count(d.totalCommitted()), false);
        figure(h, "rolled back", count(d.totalRolledBack()), false);
        figure(h, "retries", count(d.totalRetries()), false);
        figure(h, "failures", count(d.totalFailures()), d.totalFailures() > 0);
        figure(h, "duration", seconds(d.durationSeconds()), false);
        figure(h, "clients", Integer.toString(d.clients()), false);
        h.append("</section>\n");
    }

    private static void figure(StringBuilder h, String name, String value, boolean bad) {
        h.append("<div class=\"figure").append(bad ? " bad" : "").append("\"><div class=\"v\">").append(esc(value))
                .append("</div><div class=\"k\">").append(esc(name)).append("</div></div>\n");
    }

    private static void charts(StringBuilder h, WorkloadResult r) {
        h.append("<section id=\"charts\">\n<h2>Over time</h2>\n");
        if (r.run().intervals().isEmpty()) {
            h.append("<p class=\"note\">No interval was recorded (the run was shorter than one progress interval):"
                    + " the charts show only the events.</p>\n");
        }
        h.append("<p class=\"legend-events\">Events:");
        List<String> kinds = new ArrayList<>(List.of("kill9", "sigstop", "failover"));
        for (String extra : List.of("both_down", "sigterm", "lock_lost")) { // hapager chaos's, shown when they occur
            if (r.events().stream().anyMatch(e -> extra.equals(e.kind()))) {
                kinds.add(extra);
            }
        }
        kinds.add("restart");
        for (String kind : kinds) {
            h.append(" <span class=\"swatch\" style=\"background:").append(color(kind)).append("\"></span>")
                    .append(kind.equals("restart") ? "restart, sigcont, fenced, other" : kind);
        }
        h.append("; a shaded band is a freeze (sigstop to sigcont, or to the fencing that ended it).</p>\n")
                .append("<div class=\"chart\" id=\"chart-throughput\"></div>\n")
                .append("<div class=\"chart\" id=\"chart-latency\"></div>\n")
                .append("<noscript><p class=\"note\">The charts need JavaScript.</p></noscript>\n");
        h.append("<h3>Events</h3>\n");
        if (r.events().isEmpty()) {
            h.append("<p class=\"muted\">None: no fault was injected and no failover was seen.</p>\n");
        } else {
            h.append("<table id=\"events\"><thead><tr><th class=\"n\">at</th><th>kind</th><th>detail</th></tr>"
                    + "</thead><tbody>\n");
            for (RunEvent e : r.events()) {
                h.append("<tr><td class=\"n\">").append(fixed(e.atSeconds(), 2)).append(" s</td><td>")
                        .append("<span class=\"kind\" style=\"background:").append(color(e.kind())).append("\">")
                        .append(esc(e.kind())).append("</span></td><td class=\"wrap\">").append(esc(e.detail()))
                        .append("</td></tr>\n");
            }
            h.append("</tbody></table>\n");
        }
        h.append("</section>\n");
    }

    private static void transactions(StringBuilder h, DriverResult d) {
        h.append("<section>\n<h2>Transactions</h2>\n<table id=\"transactions\"><thead><tr><th>type</th>");
        for (String c : List.of("committed", "rolled back", "retries", "failures", "mean ms", "p50 ms", "p90 ms",
                "p95 ms", "p99 ms", "p99.9 ms", "max ms")) {
            h.append("<th class=\"n\">").append(c).append("</th>");
        }
        h.append("</tr></thead><tbody>\n");
        for (TypeResult t : d.types()) {
            TypeResult.Latency l = t.latency();
            h.append("<tr><td class=\"name\">").append(esc(t.type())).append("</td>");
            for (long n : new long[] {t.committed(), t.rolledBack(), t.retries()}) {
                h.append("<td class=\"n\">").append(count(n)).append("</td>");
            }
            h.append("<td class=\"n").append(t.failures() > 0 ? " bad" : "").append("\">").append(count(t.failures()))
                    .append("</td>");
            for (double ms : new double[] {l.mean(), l.p50(), l.p90(), l.p95(), l.p99(), l.p999(), l.max()}) {
                h.append("<td class=\"n\">").append(l.count() == 0 ? "-" : fixed(ms, 2)).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody></table>\n<p class=\"muted\">Latency from the first attempt to the end of the last,"
                + " retries included, over committed and rolled-back transactions.</p>\n</section>\n");
    }

    private static void storage(StringBuilder h, List<StorageFigure> figures) {
        h.append("<section>\n<h2>Storage</h2>\n");
        if (figures.isEmpty()) {
            h.append("<p class=\"muted\">Not measured in this run.</p>\n</section>\n");
            return;
        }
        h.append("<table id=\"storage\"><thead><tr><th>figure</th><th class=\"n\">value</th><th>name</th></tr>"
                + "</thead><tbody>\n");
        for (StorageFigure f : figures) {
            h.append("<tr><td>").append(esc(f.label())).append("</td><td class=\"n\">").append(esc(storageValue(f)))
                    .append("</td><td class=\"mono muted\">").append(esc(f.name())).append("</td></tr>\n");
        }
        h.append("</tbody></table>\n</section>\n");
    }

    private static void checks(StringBuilder h, List<CheckResult> checks) {
        h.append("<section>\n<h2>Checks</h2>\n");
        if (checks.isEmpty()) {
            h.append("<p class=\"muted\">This workload runs no checks.</p>\n</section>\n");
            return;
        }
        h.append("<table id=\"checks\"><thead><tr><th>check</th><th>result</th><th>detail</th></tr></thead><tbody>\n");
        for (CheckResult c : checks) {
            h.append("<tr class=\"").append(c.passed() ? "check-pass" : "check-fail").append("\"><td>")
                    .append(esc(c.name())).append("</td><td class=\"").append(c.passed() ? "ok\">held" : "bad\">FAILED")
                    .append("</td><td class=\"wrap\">").append(esc(c.detail())).append("</td></tr>\n");
        }
        h.append("</tbody></table>\n</section>\n");
    }

    private static void failures(StringBuilder h, DriverResult d) {
        h.append("<section>\n<h2>Failures</h2>\n");
        if (d.failuresKept().isEmpty()) {
            h.append("<p class=\"muted\">").append(d.totalFailures() == 0 ? "None." : "None kept.")
                    .append("</p>\n</section>\n");
            return;
        }
        h.append("<p class=\"muted\">The first ").append(d.failuresKept().size()).append(" of ")
                .append(count(d.totalFailures())).append(" failures.</p>\n<table id=\"failures\"><thead><tr>"
                        + "<th class=\"n\">at</th><th>type</th><th>SQLState</th><th>message</th></tr></thead><tbody>\n");
        for (FailureInfo f : d.failuresKept()) {
            h.append("<tr><td class=\"n\">").append(fixed(f.atSeconds(), 2)).append(" s</td><td>").append(esc(f.type()))
                    .append("</td><td class=\"mono\">").append(f.sqlState() == null ? "-" : esc(f.sqlState()))
                    .append("</td><td class=\"wrap\">").append(esc(f.message()));
            if (f.stackTrace() != null && !f.stackTrace().isEmpty()) {
                h.append("<details><summary>stack trace</summary><pre class=\"stack\">").append(esc(f.stackTrace()))
                        .append("</pre></details>");
            }
            h.append("</td></tr>\n");
        }
        h.append("</tbody></table>\n</section>\n");
    }

    private static void config(StringBuilder h, Map<String, String> config) {
        h.append("<section>\n<h2>Configuration</h2>\n");
        if (config.isEmpty()) {
            h.append("<p class=\"muted\">None recorded.</p>\n</section>\n");
            return;
        }
        h.append("<table id=\"config\"><thead><tr><th>setting</th><th>value</th></tr></thead><tbody>\n");
        config.forEach((k, v) -> h.append("<tr><td class=\"mono\">").append(esc(k)).append("</td><td class=\"wrap mono\">")
                .append(esc(v)).append("</td></tr>\n"));
        h.append("</tbody></table>\n</section>\n");
    }

    /** The charts' data: x (seconds), the series, the events with their colours, and the end of the x axis. */
    static String chartData(WorkloadResult r) {
        DriverResult d = r.run();
        List<Snapshot> in = d.intervals();
        boolean tpmC = d.perMinuteType() >= 0 || in.stream().anyMatch(s -> !Double.isNaN(s.perMinute()));
        double end = Math.max(d.durationSeconds(), 0);
        Json j = new Json().beginObject().field("has_tpmC", tpmC);
        j.name("t").beginArray();
        for (Snapshot s : in) {
            j.value(s.elapsedSeconds());
            end = Math.max(end, s.elapsedSeconds());
        }
        j.endArray();
        series(j, "tps", in, Snapshot::tps);
        series(j, "tpmC", in, Snapshot::perMinute);
        series(j, "lat_avg", in, Snapshot::latencyAvgMs);
        series(j, "lat_p99", in, Snapshot::latencyP99Ms);
        j.name("events").beginArray();
        for (RunEvent e : r.events()) {
            j.beginObject().field("at", e.atSeconds()).field("kind", String.valueOf(e.kind()))
                    .field("color", color(e.kind())).endObject();
            end = Math.max(end, e.atSeconds());
        }
        j.endArray();
        return j.field("end_s", end > 0 ? end : 1).endObject().toString();
    }

    private static void series(Json j, String name, List<Snapshot> in, ToDoubleFunction<Snapshot> f) {
        j.name(name).beginArray();
        in.forEach(s -> j.value(f.applyAsDouble(s)));
        j.endArray();
    }
}
