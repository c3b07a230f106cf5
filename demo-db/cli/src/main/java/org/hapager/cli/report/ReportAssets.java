package org.hapager.cli.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Properties;

/**
 * What the report inlines from the class path: uPlot's script, stylesheet and licence from the WebJar
 * {@code org.webjars.npm:uplot} (its version read from the WebJar's own {@code pom.properties}), and the report's
 * {@code report.js} and {@code report.css} beside this class. Read once.
 */
final class ReportAssets {

    static final String WEBJAR_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";

    final String uplotVersion;
    final String uplotJs;
    final String uplotCss;
    final String uplotLicense;
    final String reportJs;
    final String reportCss;

    private static volatile ReportAssets instance;

    private ReportAssets() {
        Properties pom = new Properties();
        try (InputStream in = open(WEBJAR_POM)) {
            pom.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        uplotVersion = pom.getProperty("version");
        String dir = "META-INF/resources/webjars/uplot/" + uplotVersion + "/";
        uplotJs = inlinable(read(dir + "dist/uPlot.iife.min.js"), "uPlot.iife.min.js");
        uplotCss = inlinable(read(dir + "dist/uPlot.min.css"), "uPlot.min.css");
        uplotLicense = inlinable(read(dir + "LICENSE").replace("*/", "* /"), "LICENSE");
        reportJs = inlinable(read("org/hapager/cli/report/report.js"), "report.js");
        reportCss = inlinable(read("org/hapager/cli/report/report.css"), "report.css");
    }

    static ReportAssets get() {
        ReportAssets a = instance;
        if (a == null) {
            synchronized (ReportAssets.class) {
                a = instance;
                if (a == null) {
                    a = new ReportAssets();
                    instance = a;
                }
            }
        }
        return a;
    }

    /**
     * The text, checked to be safe inside a {@code <script>} or {@code <style>} element: nothing in it may end the
     * element or open the HTML parser's escaped-script states.
     */
    private static String inlinable(String text, String name) {
        String lower = text.toLowerCase(Locale.ROOT);
        for (String bad : new String[] {"</script", "</style", "<!--", "<script"}) {
            if (lower.contains(bad)) {
                throw new IllegalStateException(name + " contains " + bad + " and cannot be inlined");
            }
        }
        return text;
    }

    private static InputStream open(String resource) throws IOException {
        InputStream in = ReportAssets.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("not on the class path: " + resource
                    + " (the HTML report needs the WebJar org.webjars.npm:uplot)");
        }
        return in;
    }

    private static String read(String resource) {
        try (InputStream in = open(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
