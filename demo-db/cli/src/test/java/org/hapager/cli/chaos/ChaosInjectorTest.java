package org.hapager.cli.chaos;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.hapager.server.process.PageServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The injector's signals against a real page-server process that another server fenced (killed) just before:
 * a campaign ({@code --workload tpcc}, seed 2958537434512) stopped at its first fault with {@code kill -CONT
 * PID failed: No such process}, because the frozen server was fenced between the injector's liveness check and
 * its SIGCONT. A signal to a server already gone is not a failure of the campaign.
 */
class ChaosInjectorTest {

    @TempDir
    Path dir;

    @Test
    void aServerFencedJustBeforeItsSigcontOrKillIsNotAnError() {
        PageServerProcess p = PageServerProcess.start(dir.resolve("store"), dir.resolve("token"));
        try {
            p.sigstop();
            p.kill9(); // as the fencing server does
            // what the injector called before: the signal fails on the dead process
            assertThrows(IllegalStateException.class, p::sigcont);
            assertFalse(ChaosInjector.sigcont(p), "a fenced server: no SIGCONT, restart it");
            ChaosInjector.kill9(p); // nothing to do, no error
            assertFalse(p.isAlive());
        } finally {
            p.close();
        }
        PageServerProcess alive = PageServerProcess.start(dir.resolve("store"), dir.resolve("token"));
        try {
            alive.sigstop();
            assertTrue(ChaosInjector.sigcont(alive), "a frozen server still there is resumed");
        } finally {
            alive.close();
        }
    }
}
