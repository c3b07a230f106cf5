package org.hapager.pager;

import java.nio.ByteBuffer;

/**
 * Pages read from a volume. Pages past the end of the volume read as zeros; {@code volumeLength} says
 * where the volume ends. Every page's checksum was verified before this was returned.
 */
public record PageRead(long volumeLength, ByteBuffer data) {
}
