package org.hapager.pager;

/** One entry of a directory listing: its name within the directory. */
public record DirectoryEntry(String name, boolean directory, long length) {
}
