package org.dtprobed.parse;

/** One attempt at a parse produced no answer; the child involved is no longer used. */
final class AttemptFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final FailureReason reason;
    private final int errno;

    AttemptFailure(FailureReason reason, String message) {
        this(reason, reason.errno(), message);
    }

    AttemptFailure(FailureReason reason, int errno, String message) {
        super(message);
        this.reason = reason;
        this.errno = errno;
    }

    FailureReason reason() {
        return reason;
    }

    int errno() {
        return errno;
    }
}
