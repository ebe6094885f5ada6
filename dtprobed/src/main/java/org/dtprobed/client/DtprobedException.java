package org.dtprobed.client;

import java.io.IOException;

/** The daemon refused a request; {@link #code()} is the protocol's error code (docs/PROTOCOL.md). */
public class DtprobedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String code;

    public DtprobedException(String code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
