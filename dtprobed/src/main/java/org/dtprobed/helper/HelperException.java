package org.dtprobed.helper;

/**
 * A registration or removal was refused. The caller's ioctl fails with {@link #errno()}; the
 * message is the one log line saying why.
 */
public class HelperException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public HelperException(int errno, String reason) {
        super(reason);
        if (errno <= 0) {
            throw new IllegalArgumentException("errno must be positive, got " + errno);
        }
        this.errno = errno;
    }

    public HelperException(int errno, String reason, Throwable cause) {
        this(errno, reason);
        initCause(cause);
    }

    public int errno() {
        return errno;
    }
}
