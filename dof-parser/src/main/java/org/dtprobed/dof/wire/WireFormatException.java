package org.dtprobed.dof.wire;

import java.io.IOException;

/**
 * The bytes on the pipe are not a valid frame or body. The stream is not usable afterwards; the
 * message names the field, the value found and what was expected, with the byte position.
 */
public final class WireFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public WireFormatException(String message) {
        super(message);
    }
}
