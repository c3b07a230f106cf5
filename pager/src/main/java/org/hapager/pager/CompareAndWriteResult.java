package org.hapager.pager;

import java.nio.ByteBuffer;

/**
 * What {@link PagerClient#compareAndWrite} did. {@code written}: the page held the expected bytes and now
 * durably holds the new ones ({@code current} is empty). Not written: the page was left as it was and
 * {@code current} is what it held when compared (durable, checksum verified). {@code volumeLength} is the
 * volume's length afterwards.
 */
public record CompareAndWriteResult(boolean written, long volumeLength, ByteBuffer current) {
}
