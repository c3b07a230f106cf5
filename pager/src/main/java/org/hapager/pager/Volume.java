package org.hapager.pager;

import org.hapager.wire.VolumeName;
import org.hapager.wire.WireLimits;

/**
 * A volume as one client addresses it: its checked name and the page size it reads and writes it with.
 * The server stores bytes; page {@code n} is bytes {@code [n * pageSize, (n + 1) * pageSize)}.
 */
public record Volume(String name, int pageSize) {

    public Volume {
        VolumeName.volume(name);
        if (!WireLimits.isValidPageSize(pageSize)) {
            throw new IllegalArgumentException("pageSize : " + pageSize + " (expected: a power of two from "
                    + WireLimits.MIN_PAGE_SIZE + " to " + WireLimits.MAX_PAGE_SIZE + ")");
        }
    }

    /** A volume with the default page size of 4 KiB. */
    public static Volume of(String name) {
        return new Volume(name, WireLimits.DEFAULT_PAGE_SIZE);
    }

    public static Volume of(String name, int pageSize) {
        return new Volume(name, pageSize);
    }

    @Override
    public String toString() {
        return name + "@" + pageSize;
    }
}
