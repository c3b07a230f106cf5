package org.hapager.server.fault;

import java.io.IOException;
import java.util.List;

/**
 * The fault points of a page server process, for the client's failover tests. They exist only when a test
 * switches them on with the hidden option {@code --fault SPEC} (repeatable); otherwise the server runs with
 * {@link #NONE}, whose {@link #onRequest()} answers {@link FaultPoint#NONE} and counts nothing.
 *
 * <p>A SPEC is {@code NAME@N}: NAME one of {@code halt-on-receive}, {@code halt-after-accept},
 * {@code halt-after-complete}, {@code stop-after-accept} (see {@link FaultPoint}), where N (1-based) counts REQUEST
 * frames over all sessions of the process; or {@code fail-force@N}, where N (1-based) counts the group
 * committer's forces of volume files, and the Nth fails.
 */
@FunctionalInterface
public interface FaultPoints {

    /** No fault points: every request is served normally. */
    FaultPoints NONE = () -> FaultPoint.NONE;

    /** Called once per decoded REQUEST frame, on its network thread: what to do to this request. */
    FaultPoint onRequest();

    /**
     * Called by the store's group committer before each force of a volume file, on a {@code group-commit-N}
     * thread; throws to make that force fail ({@link FaultPoint#FAIL_FORCE}). Does nothing by default.
     */
    default void beforeForce() throws IOException {
    }

    /** A short description for the startup log. */
    default String describe() {
        return "none";
    }

    /**
     * Parses the {@code --fault} values; {@link #NONE} for an empty list.
     *
     * @throws IllegalArgumentException naming the bad spec and the expected form
     */
    static FaultPoints parse(List<String> specs) {
        return specs.isEmpty() ? NONE : CountedFaultPoints.parse(specs);
    }
}
