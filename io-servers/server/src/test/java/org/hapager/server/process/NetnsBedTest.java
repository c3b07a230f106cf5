package org.hapager.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The test bed's own contract: namespaces made and removed, cuts as nftables rules in the receiver. */
class NetnsBedTest {

    @BeforeAll
    static void needsTheBed() {
        String unavailable = NetnsBed.unavailableUnlessRequired();
        assumeTrue(unavailable == null, unavailable);
    }

    @Test
    void cutsAreDropRulesOfTheReceiverAndCloseRemovesEveryNamespace() throws Exception {
        List<Path> namespaces = new ArrayList<>();
        try (NetnsBed bed = NetnsBed.create("one", "two")) {
            for (String host : bed.hosts()) {
                namespaces.add(Path.of("/run/netns", bed.namespace(host)));
            }
            namespaces.forEach(ns -> assertTrue(Files.exists(ns), ns + " exists"));
            assertFalse(bed.address("one").equals(bed.address("two")));

            bed.cut("one", "two");
            assertTrue(rules(bed, "two").contains("ip saddr " + bed.address("one") + " drop"), rules(bed, "two"));
            assertFalse(rules(bed, "one").contains("drop"), "a one-way cut leaves the sender's rules alone");
            bed.cutBoth("one", "two");
            assertTrue(rules(bed, "one").contains("ip saddr " + bed.address("two") + " drop"), rules(bed, "one"));
            bed.heal("one", "two");
            assertFalse(rules(bed, "one").contains("drop") || rules(bed, "two").contains("drop"), "healed both ways");

            assertThrows(IllegalArgumentException.class, () -> bed.cut("one", "three"));
        }
        namespaces.forEach(ns -> assertFalse(Files.exists(ns), ns + " removed by close"));
        assertThrows(IllegalArgumentException.class, () -> NetnsBed.create("Not-A-Name"));
    }

    private static String rules(NetnsBed bed, String host) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(bed.exec(host));
        command.addAll(List.of("nft", "list", "ruleset"));
        Process nft = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(nft.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(nft.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, nft.exitValue(), out);
        return out;
    }
}
