/**
 * The page-level benchmarks, subcommands of the {@code hapager} command ({@link org.hapager.cli.AddedCommand}):
 * {@code hapager bench}, 4 KiB random page reads and writes through the client and one page server on loopback,
 * with local positional file I/O on the same file and a bare loopback round trip as baselines, measured in the
 * same run; and {@code hapager failover-bench}, kill -9 and SIGSTOP of the serving server under a steady load.
 * Both write their results as JSON.
 */
package org.hapager.bench.page;
