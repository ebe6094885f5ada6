package org.dtprobed.helper;

import org.dtprobed.proc.NoSuchProcessException;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;

/** Turns the thread id of a request header into a {@link Caller} with its process id. */
public final class CallerResolver {
    private final ProcFs proc;

    public CallerResolver(ProcFs proc) {
        this.proc = proc;
    }

    public Caller resolve(int tid, int uid, int gid) throws HelperException {
        if (tid <= 0) {
            // the kernel reports 0 for a caller outside the daemon's pid namespace
            throw new HelperException(Errno.EINVAL, "caller's thread id " + tid + " is not visible in this pid namespace");
        }
        try {
            return new Caller(tid, proc.tgid(tid), uid, gid);
        } catch (NoSuchProcessException e) {
            throw new HelperException(Errno.ESRCH, "caller thread " + tid + " has exited", e);
        } catch (ProcException e) {
            throw new HelperException(Errno.EINVAL, "cannot tell which process thread " + tid + " belongs to: "
                    + e.getMessage(), e);
        }
    }
}
