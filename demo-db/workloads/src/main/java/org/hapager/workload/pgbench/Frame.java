package org.hapager.workload.pgbench;

import java.util.SplittableRandom;

/**
 * One client's variables and the random generator of the script run in progress. The first slots hold the
 * presets ({@link Script#PRESETS}); a script's other variables follow in the order it first sets them. Used
 * by one thread.
 */
final class Frame {

    final Value[] vars;
    SplittableRandom random;

    Frame(int variables, SplittableRandom random) {
        this.vars = new Value[Math.max(variables, Script.PRESETS.size())];
        this.random = random;
    }

    /** Sets {@code :scale} and {@code :client_id}. */
    Frame preset(long scale, long clientId) {
        vars[0] = Value.of(scale);
        vars[1] = Value.of(clientId);
        return this;
    }
}
