package org.dtprobed.parse;

import org.dtprobed.linux.Errno;

/** Why a parse produced no answer from the parser, with the errno the registering process gets. */
public enum FailureReason {
    /** The bounded queue was full: the daemon is overloaded; the caller may try later. */
    QUEUE_FULL(Errno.EBUSY),
    /** The child missed the per-parse deadline and was killed. */
    TIMEOUT(Errno.ETIMEDOUT),
    /** The child died (signal, exit) before answering. */
    CRASH(Errno.EIO),
    /** The child answered something that is not a valid reply to this request; it was killed. */
    PROTOCOL(Errno.EIO),
    /** The child reported that it failed (e.g. out of memory); it exits and is replaced. */
    CHILD_FAULT(Errno.EIO),
    /** No child could be started. */
    START_FAILED(Errno.EAGAIN),
    /** The supervisor was closed before the parse finished. */
    CLOSED(Errno.ESHUTDOWN);

    private final int errno;

    FailureReason(int errno) {
        this.errno = errno;
    }

    /** The default errno for this reason (a fault may carry its own, e.g. ENOMEM). */
    public int errno() {
        return errno;
    }

}
