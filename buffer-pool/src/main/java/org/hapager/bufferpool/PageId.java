package org.hapager.bufferpool;

/** A page of a volume, the key of the page table. */
record PageId(String volume, long page) {

    @Override
    public String toString() {
        return volume + "#" + page;
    }
}
