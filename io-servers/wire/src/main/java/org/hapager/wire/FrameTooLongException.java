package org.hapager.wire;

import io.netty.handler.codec.TooLongFrameException;

/** A frame whose length prefix exceeds {@code maxFrameBytes}. Nothing of it is buffered; the connection closes. */
public class FrameTooLongException extends TooLongFrameException {
    public FrameTooLongException(String message) {
        super(message);
    }
}
