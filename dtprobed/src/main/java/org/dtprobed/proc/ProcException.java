package org.dtprobed.proc;

import java.io.IOException;

/**
 * A {@code /proc} file could not be read or did not have the expected shape. The message names
 * the file and, for malformed content, the line and what was wrong with it.
 */
public class ProcException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProcException(String message) {
        super(message);
    }

    public ProcException(String message, Throwable cause) {
        super(message, cause);
    }
}
