package org.hapager.cli;

import org.hapager.cli.chaos.ChaosCommand;
import org.hapager.cli.chaos.ChaosVerifyCommand;
import org.hapager.cli.demo.DemoCommand;
import org.hapager.cli.demo.PageDemoCommand;
import org.hapager.cli.workload.RunCommand;
import org.hapager.cli.workload.TpcbCommand;
import org.hapager.cli.workload.TpccCommand;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code hapager} command. Exit codes: 0 success, 1 a check failed, 2 bad usage.
 */
@Command(name = "hapager", mixinStandardHelpOptions = true, versionProvider = HapagerCli.Version.class,
        description = "Highly available asynchronous page I/O for the JVM.",
        subcommands = {DemoCommand.class, TpccCommand.class, TpcbCommand.class, RunCommand.class, ChaosCommand.class,
            ChaosVerifyCommand.class, ServerCommand.class,
            PageDemoCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:a check or a benchmark run failed", "2:bad usage (unknown option, bad value)"})
public final class HapagerCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command (see hapager --help)");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The configured command line, shared by main and tests: the commands above and every {@link AddedCommand}
     * on the class path (the benchmarks' {@code bench} and {@code failover-bench}).
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new HapagerCli());
        for (AddedCommand added : ServiceLoader.load(AddedCommand.class)) {
            cl.addSubcommand(added);
        }
        return cl.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("hapager: " + e.getMessage());
            return 2;
        });
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = HapagerCli.class.getPackage().getImplementationVersion();
            return new String[] {"hapager " + (v == null ? "(development build)" : v)};
        }
    }
}
