package org.hapager.workload.result;

/**
 * Something that happened to the system under test during a run, for the time axis of the report:
 * a fault injected, a failover seen by the client, a server restarted.
 *
 * @param atSeconds since the run started
 * @param kind      {@code kill9}, {@code sigstop}, {@code sigcont}, {@code fenced}, {@code failover},
 *                  {@code both_down}, {@code sigterm}, {@code exited}, {@code lock_lost},
 *                  {@code restart}, or another lower-case word
 * @param detail    one line for a person, e.g. {@code kill -9 of 127.0.0.1:27145 (pid 4242)}
 */
public record RunEvent(double atSeconds, String kind, String detail) {
}
