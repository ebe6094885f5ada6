package org.dtprobed.client;

import java.io.IOException;

/** The daemon refused a request; {@link #code()} is the protocol's error code (docs/PROTOCOL.md). */
public class DtprobedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String code;
    private final String reason;

    public DtprobedException(String code, String message) {
        super(code + ": " + message);
        this.code = code;
        this.reason = message;
    }

    /** The daemon's message alone, without the code (for people). */
    public String reason() {
        return reason.isEmpty() ? code : reason;
    }

    public String code() {
        return code;
    }
}
