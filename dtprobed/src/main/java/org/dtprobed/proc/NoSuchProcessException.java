package org.dtprobed.proc;

/** The process (or thread) has exited, or was never there: its {@code /proc} directory is gone. */
public final class NoSuchProcessException extends ProcException {
    private static final long serialVersionUID = 1L;

    public NoSuchProcessException(String message) {
        super(message);
    }
}
