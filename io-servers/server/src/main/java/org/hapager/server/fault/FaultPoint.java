package org.hapager.server.fault;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a test's fault point does to one request, at one window of the patent's FIG. 5, or to one force of the
 * store. The session handler asks {@link FaultPoints#onRequest()} once per REQUEST frame and acts on the answer;
 * {@link #NONE} is the answer whenever no test switched fault points on. {@link #FAIL_FORCE} counts the group
 * committer's forces instead ({@link FaultPoints#beforeForce()}) and is never an answer of {@code onRequest}.
 */
public enum FaultPoint {
    /** Serve the request normally. */
    NONE(null),
    /** Halt with 137 as the request is decoded, before it is accepted (after send, before accept: step 502). */
    HALT_ON_RECEIVE("halt-on-receive"),
    /** Flush ACCEPTED, halt once flushed, never execute (after accept, before completion: step 506). */
    HALT_AFTER_ACCEPT("halt-after-accept"),
    /** Execute, flush the COMPLETION, halt once flushed (after completion: step 508). */
    HALT_AFTER_COMPLETE("halt-after-complete"),
    /** Flush ACCEPTED, then freeze this process (SIGSTOP to itself); after SIGCONT the request executes. */
    STOP_AFTER_ACCEPT("stop-after-accept"),
    /**
     * The Nth group-commit force ({@code fdatasync} of a volume file) fails with an {@code IOException}, as an EIO
     * from a failed writeback would: the server then fences itself (N counts forces, not requests).
     */
    FAIL_FORCE("fail-force");

    /** The exit code of a halt: what a shell reports for a SIGKILLed process. */
    public static final int HALT_EXIT_CODE = 137;

    private static final Logger log = LoggerFactory.getLogger(FaultPoint.class);

    private final String spec;

    FaultPoint(String spec) {
        this.spec = spec;
    }

    /** The name used in {@code --fault NAME@N}. */
    public String spec() {
        return spec;
    }

    static FaultPoint ofSpec(String name) {
        for (FaultPoint f : values()) {
            if (f.spec != null && f.spec.equals(name)) {
                return f;
            }
        }
        return null;
    }

    /** Ends the process at once, like a crash: no shutdown hooks, no drain, no flush. */
    public void halt(long requestId) {
        log.warn("test fault point {}: halting with {} at request {}", spec, HALT_EXIT_CODE, requestId);
        Runtime.getRuntime().halt(HALT_EXIT_CODE);
    }

    /** After a COMPLETION was flushed: halts for {@link #HALT_AFTER_COMPLETE}, does nothing otherwise. */
    public void afterCompletionFlushed(long requestId) {
        if (this == HALT_AFTER_COMPLETE) {
            halt(requestId);
        }
    }

    /**
     * Freezes this process with {@code kill -STOP <own pid>}; returns once something sent SIGCONT (or at once if
     * the signal could not be sent, with an ERROR line).
     */
    public void freeze(long requestId) {
        long pid = ProcessHandle.current().pid();
        log.warn("test fault point {}: freezing pid {} at request {}", spec, pid, requestId);
        try {
            Process kill = new ProcessBuilder("kill", "-STOP", Long.toString(pid)).redirectErrorStream(true).start();
            if (!kill.waitFor(30, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                log.error("test fault point {}: kill -STOP {} failed", spec, pid);
            }
        } catch (IOException e) {
            log.error("test fault point {}: cannot run kill -STOP {}: {}", spec, pid, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.warn("test fault point {}: pid {} continues with request {}", spec, pid, requestId);
    }
}
