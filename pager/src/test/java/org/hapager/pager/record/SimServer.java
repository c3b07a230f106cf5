package org.hapager.pager.record;

/** One simulated page server of the record table simulation: up or crashed, draining or not. */
final class SimServer {
    final String name;
    boolean up = true;
    boolean draining;

    SimServer(String name) {
        this.name = name;
    }
}
