package org.hapager.server.reservation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HolderAndFenceCommandTest {

    static final Holder HOLDER = new Holder("127.0.0.1", 7070, 4242, "primary one");

    @Test
    void holderLineRoundTrips() {
        assertEquals("127.0.0.1:7070 4242 primary one", HOLDER.line());
        assertEquals(HOLDER, Holder.parse(HOLDER.line() + "\n"));
        Holder v6 = new Holder("::1", 7071, 9, "b");
        assertEquals("[::1]:7071 9 b", v6.line());
        assertEquals(v6, Holder.parse(v6.line()));
        for (String bad : new String[] {"", "127.0.0.1:7070", "127.0.0.1 12 x", "h:70000 1 x", "h:1 pid x"}) {
            assertThrows(IllegalArgumentException.class, () -> Holder.parse(bad), bad);
        }
    }

    @Test
    void placeholdersAreReplacedInEachWord() {
        FenceCommand command = FenceCommand.parse("  stonith --node={host}:{port}  --pid {pid} --name {server} ");
        assertEquals(List.of("stonith", "--node=127.0.0.1:7070", "--pid", "4242", "--name", "primary one"), command.commandFor(HOLDER));
        assertThrows(IllegalArgumentException.class, () -> FenceCommand.parse("   "));
    }

    @Test
    void onlyExitZeroInTimeIsSuccess() throws Exception {
        FenceCommand.parse("true").run(HOLDER, 5000);
        FenceCommand.FenceFailedException failed = assertThrows(FenceCommand.FenceFailedException.class,
                () -> FenceCommand.parse("ls /nonexistent/fence-target").run(HOLDER, 5000));
        assertTrue(failed.getMessage().contains("server primary one at 127.0.0.1:7070 (pid 4242)")
                && failed.getMessage().contains("exited with 2"), failed.getMessage());
        FenceCommand.FenceFailedException slow = assertThrows(FenceCommand.FenceFailedException.class,
                () -> FenceCommand.parse("sleep 30").run(HOLDER, 200));
        assertTrue(slow.getMessage().contains("did not finish within 200 ms"), slow.getMessage());
        FenceCommand.FenceFailedException missing = assertThrows(FenceCommand.FenceFailedException.class,
                () -> FenceCommand.parse("/nonexistent/fence").run(HOLDER, 200));
        assertTrue(missing.getMessage().contains("could not start"), missing.getMessage());
    }
}
