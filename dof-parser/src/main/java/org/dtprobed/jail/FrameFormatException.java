package org.dtprobed.jail;

import java.io.IOException;

/**
 * The bytes on the pipe are not a valid frame or body. The stream is not usable afterwards; the
 * message names the field, the value found and what was expected, with the byte position.
 */
public final class FrameFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public FrameFormatException(String message) {
        super(message);
    }
}
