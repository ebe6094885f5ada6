package org.dtprobed.helper;

import java.util.LinkedHashMap;
import java.util.Map;
import org.dtprobed.linux.Errno;
import org.dtprobed.proc.NoSuchProcessException;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.proc.ProcStat;

/**
 * Turns the thread id of a request header into a {@link Caller} with its process id.
 *
 * <p>A thread's process never changes while the thread lives (an exec from a non-main thread
 * gives that thread the process's id, it does not move the old id elsewhere), so the answer is
 * remembered per thread life: the thread's start time ({@code /proc/<tid>/stat}, which the
 * registration needs anyway when the main thread calls) tells a live thread from a reused id,
 * and only a thread seen for the first time costs the read of {@code /proc/<tid>/status}, the
 * most expensive file the kernel generates on this path (BENCHMARKS.md, "End to end").
 */
public final class CallerResolver {
    /** Enough for every thread that registers in a burst; older lives are simply read again. */
    static final int REMEMBERED_THREADS = 4096;

    private final ProcFs proc;
    private final Map<Integer, ThreadLife> lives = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, ThreadLife> eldest) {
            return size() > REMEMBERED_THREADS;
        }
    };

    /** One life of a thread id: its start time and the process it belongs to. */
    private record ThreadLife(long start, int tgid) {
    }

    public CallerResolver(ProcFs proc) {
        this.proc = proc;
    }

    public Caller resolve(int tid, int uid, int gid) throws HelperException {
        if (tid <= 0) {
            // the kernel reports 0 for a caller outside the daemon's pid namespace
            throw new HelperException(Errno.EINVAL, "caller's thread id " + tid + " is not visible in this pid namespace");
        }
        try {
            ProcStat stat = proc.stat(tid);
            long start = stat.startTime();
            ThreadLife known;
            synchronized (lives) {
                known = lives.get(tid);
            }
            if (known != null && known.start() == start) {
                return new Caller(tid, known.tgid(), uid, gid, start, stat.codeStart());
            }
            int tgid = proc.tgid(tid);
            synchronized (lives) {
                lives.put(tid, new ThreadLife(start, tgid));
            }
            return new Caller(tid, tgid, uid, gid, start, stat.codeStart());
        } catch (NoSuchProcessException e) {
            throw new HelperException(Errno.ESRCH, "caller thread " + tid + " has exited", e);
        } catch (ProcException e) {
            throw new HelperException(Errno.EINVAL, "cannot tell which process thread " + tid + " belongs to: "
                    + e.getMessage(), e);
        }
    }

    int remembered() {
        synchronized (lives) {
            return lives.size();
        }
    }
}
