package org.dtprobed.jail;

/** The jail could not be set up; the child must not read any DOF. */
public final class JailException extends Exception {
    private static final long serialVersionUID = 1L;

    JailException(String message) {
        super(message);
    }
}
