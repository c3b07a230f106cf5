package org.hapager.cli.chaos;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What {@code hapager chaos} does to the page servers; {@code --faults} names them. */
public enum FaultKind {
    /** kill -9 of one server, restarted after a short time dead. */
    KILL("kill", "kill -9"),
    /** SIGSTOP of one server for a while, then SIGCONT; restarted instead if the other fenced (killed) it meanwhile. */
    STOP("stop", "SIGSTOP"),
    /** kill -9 of both servers, restarted after a time well under the failover deadline and the database lock's expiry. */
    BOTH_DOWN("both-down", "both-down"),
    /** SIGTERM of one server while requests are in flight (it drains and exits), restarted at once. */
    RESTART("restart", "restart");

    private final String option;
    private final String label;

    FaultKind(String option, String label) {
        this.option = option;
        this.label = label;
    }

    /** The name in {@code --faults} and in the schedule, e.g. {@code both-down}. */
    public String option() {
        return option;
    }

    /** The name in the final line, e.g. {@code kill -9}. */
    public String label() {
        return label;
    }

    /**
     * {@code kill,stop,both-down,restart} (any subset, any order, any case) as a set; throws
     * {@link IllegalArgumentException} naming the first unknown kind, or for an empty list.
     */
    public static Set<FaultKind> parseList(String text) {
        Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        for (String part : text.split(",", -1)) {
            String name = part.trim().toLowerCase(Locale.ROOT);
            FaultKind kind = null;
            for (FaultKind k : values()) {
                if (k.option.equals(name)) {
                    kind = k;
                }
            }
            if (kind == null) {
                throw new IllegalArgumentException("'" + part.trim() + "' is not a fault kind (expected: " + allOptions() + ")");
            }
            kinds.add(kind);
        }
        return kinds;
    }

    /** {@code kill, stop, both-down, restart}. */
    static String allOptions() {
        List<String> names = new ArrayList<>();
        for (FaultKind k : values()) {
            names.add(k.option);
        }
        return String.join(", ", names);
    }
}
