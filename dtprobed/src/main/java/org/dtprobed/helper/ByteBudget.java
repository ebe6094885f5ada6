package org.dtprobed.helper;

import java.util.concurrent.atomic.AtomicLong;
import org.dtprobed.linux.Errno;

/**
 * Bounds the DOF bytes buffered for requests still in flight, so that many callers each claiming
 * a large DOF cannot exhaust the daemon's heap (each one alone is already capped by the header
 * validator). Over budget, the caller gets ENOMEM and the daemon nothing worse.
 */
final class ByteBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    ByteBudget(long limit) {
        this.limit = limit;
    }

    /** Takes the {@code bytes} of a DOF that thread {@code tid} is handing over (its name only in the refusal). */
    void acquire(long bytes, int tid) throws HelperException {
        long now = used.addAndGet(bytes);
        if (now > limit) {
            used.addAndGet(-bytes);
            throw new HelperException(Errno.ENOMEM, "DOF of tid " + tid + " (" + bytes + " bytes) exceeds the in-flight"
                    + " budget of " + limit + " bytes");
        }
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    long used() {
        return used.get();
    }
}
