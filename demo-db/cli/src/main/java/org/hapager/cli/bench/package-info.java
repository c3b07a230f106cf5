/**
 * {@code hapager bench}: 4 KiB random page reads and writes through the client and one page server on
 * loopback, with local positional file I/O on the same file and a bare loopback round trip as baselines,
 * measured in the same run and written as JSON.
 */
package org.hapager.cli.bench;
