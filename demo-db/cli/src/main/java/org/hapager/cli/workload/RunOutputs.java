package org.hapager.cli.workload;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.hapager.cli.metrics.CliMetrics;
import org.hapager.workload.result.WorkloadResult;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Where a run's results go, the same for the demo and every workload command: the metrics endpoint
 * ({@code --metrics-port}) and the JSON result ({@code --json}), checked before anything starts so that a
 * bad one is a one-line usage error.
 */
public final class RunOutputs {

    private RunOutputs() {
    }

    /** The port is 0 to 65535 and each file's directory exists; else a usage error. */
    public static void check(CommandLine cl, Integer metricsPort, Path... files) {
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
            throw new ParameterException(cl, "--metrics-port must be 0 to 65535, not " + metricsPort);
        }
        for (Path p : files) {
            Path parent = p == null ? null : p.toAbsolutePath().getParent();
            if (p != null && (parent == null || !Files.isDirectory(parent))) {
                throw new ParameterException(cl, "cannot write " + p + ": no directory " + parent);
            }
        }
    }

    /** The command's registry, and its endpoint if {@code port} is set; a port that cannot be bound is a usage error. */
    public static CliMetrics openMetrics(CommandLine cl, Integer port) {
        try {
            return CliMetrics.open(port);
        } catch (IOException e) {
            throw new ParameterException(cl, "--metrics-port: " + e.getMessage(), e);
        }
    }

    /** Writes the result's JSON to {@code file} atomically (a reader sees the old file or the new) and says so. */
    public static void writeJson(WorkloadResult result, Path file, PrintWriter out) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, result.toJson() + "\n");
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        out.println("result: " + file.toAbsolutePath());
    }
}
