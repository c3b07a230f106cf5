package org.hapager.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.hapager.server.PageServerMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code hapager server}: the page server itself (the same program as {@code page-server.jar}), run in this
 * JVM until SIGTERM or SIGINT. Every argument, {@code --help} included, goes to the page server's own
 * command line, so its options and their documentation live in one place ({@link PageServerMain}).
 */
@Command(name = "server", description = {"Runs a page server over a data directory shared with the other page"
        + " server: hapager server --data DIR --port N (the shared secret in DIR/token unless --token-file; hapager server"
        + " --help lists every option)."})
final class ServerCommand implements Callable<Integer> {

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return PageServerMain.run("hapager server", args.toArray(String[]::new));
    }
}
