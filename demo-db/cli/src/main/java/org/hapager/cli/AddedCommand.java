package org.hapager.cli;

/**
 * A subcommand of {@code hapager} that lives in another module: a picocli {@code @Command} class implementing
 * this, listed in that module's {@code META-INF/services/org.hapager.cli.AddedCommand}. {@link HapagerCli} adds
 * every one it finds on the class path ({@link java.util.ServiceLoader}). The benchmarks module adds
 * {@code bench} and {@code failover-bench} this way: they use the CLI's options, so the CLI cannot depend on
 * them, and the {@code hapager} launcher puts the benchmarks' jar on the class path.
 */
public interface AddedCommand {
}
