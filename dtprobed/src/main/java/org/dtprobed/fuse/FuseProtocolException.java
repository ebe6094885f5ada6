package org.dtprobed.fuse;

import java.io.IOException;

/**
 * The one exception family of this codec: a message the kernel (or a test) handed over does not
 * have the shape the protocol requires. By the time it is thrown the bad frame has been skipped.
 */
public class FuseProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public FuseProtocolException(String message) {
        super(message);
    }
}
