package org.hapager.wire;

import io.netty.handler.codec.CorruptedFrameException;

/** A frame that breaks the protocol: truncated, unknown type, bad field, bad name. The connection closes. */
public class CorruptFrameException extends CorruptedFrameException {
    public CorruptFrameException(String message) {
        super(message);
    }
}
