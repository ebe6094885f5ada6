package org.dtprobed.helper;

/**
 * A registration or removal was refused. The caller's ioctl fails with {@link #errno()}; the
 * message is the one log line saying why.
 */
public class HelperException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The metrics label of refusals raised before the pipeline (helper, header, caller memory). */
    public static final String REQUEST = "request";

    private final int errno;
    private final String label;
    private final boolean logged;

    public HelperException(int errno, String reason) {
        this(errno, REQUEST, reason, false);
    }

    private HelperException(int errno, String label, String message, boolean logged) {
        super(message);
        if (errno <= 0) {
            throw new IllegalArgumentException("errno must be positive, got " + errno);
        }
        this.errno = errno;
        this.label = label;
        this.logged = logged;
    }

    /**
     * A refusal whose one log line (with pid and module, which only the pipeline knows) has been
     * written already; the transport then writes none.
     *
     * @param label short reason for the metrics (a DofRule name, {@code negative_cache}, ...)
     */
    public static HelperException logged(int errno, String label, String message) {
        return new HelperException(errno, label, message, true);
    }

    public String label() {
        return label;
    }

    public boolean isLogged() {
        return logged;
    }

    public HelperException(int errno, String reason, Throwable cause) {
        this(errno, reason);
        initCause(cause);
    }

    public int errno() {
        return errno;
    }
}
