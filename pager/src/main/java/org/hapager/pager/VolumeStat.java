package org.hapager.pager;

/** What a name is on the page servers: a missing name has {@code exists == false}. */
public record VolumeStat(boolean exists, boolean directory, long length) {
}
