package org.dtprobed.helper;

import java.util.LinkedHashMap;
import java.util.Map;
import org.dtprobed.linux.Errno;
import org.dtprobed.proc.NoSuchProcessException;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.proc.ProcStat;
import org.dtprobed.proc.StatFile;

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
public final class CallerResolver implements AutoCloseable {
    /** Enough for every thread that registers in a burst; older lives are simply read again. */
    static final int REMEMBERED_THREADS = 4096;
    /**
     * Threads whose stat file stays open ({@link StatFile}): the ones that register again soon
     * (re-registrations, a program's libraries one after another) read it with one syscall; a
     * descriptor each, so far fewer than the lives remembered.
     */
    static final int OPEN_STAT_FILES = 64;

    private final ProcFs proc;
    private final Map<Integer, ThreadLife> lives = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, ThreadLife> eldest) {
            return size() > REMEMBERED_THREADS;
        }
    };
    private final Map<Integer, OpenLife> open = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, OpenLife> eldest) {
            if (size() > OPEN_STAT_FILES) {
                eldest.getValue().stat().close();
                return true;
            }
            return false;
        }
    };

    /** One life of a thread id: its start time and the process it belongs to. */
    private record ThreadLife(long start, int tgid) {
    }

    /** A thread life with its stat file open. */
    private record OpenLife(ThreadLife life, StatFile stat) {
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
            OpenLife held;
            synchronized (open) {
                held = open.get(tid);
            }
            if (held != null) {
                Caller c = again(held, tid, uid, gid);
                if (c != null) {
                    return c;
                }
            }
            return first(tid, uid, gid);
        } catch (NoSuchProcessException e) {
            throw new HelperException(Errno.ESRCH, "caller thread " + tid + " has exited", e);
        } catch (ProcException e) {
            throw new HelperException(Errno.EINVAL, "cannot tell which process thread " + tid + " belongs to: "
                    + e.getMessage(), e);
        }
    }

    /** The caller from its open stat file, or null when that file's thread is gone (the id is a new thread's). */
    private Caller again(OpenLife held, int tid, int uid, int gid) throws ProcException {
        ProcStat stat;
        try {
            stat = held.stat().read();
        } catch (NoSuchProcessException e) {
            forget(tid, held);
            return null;
        }
        if (stat.startTime() != held.life().start()) {
            forget(tid, held);
            return null;
        }
        return new Caller(tid, held.life().tgid(), uid, gid, stat.startTime(), stat.codeStart());
    }

    private void forget(int tid, OpenLife held) {
        synchronized (open) {
            open.remove(tid, held);
        }
        held.stat().close();
    }

    /** A thread not seen with an open stat file: read and, where the kernel's /proc is read, kept open. */
    private Caller first(int tid, int uid, int gid) throws ProcException {
        StatFile file = proc.openStat(tid).orElse(null);
        try {
            ProcStat stat = file != null ? file.read() : proc.stat(tid);
            long start = stat.startTime();
            ThreadLife known;
            synchronized (lives) {
                known = lives.get(tid);
            }
            if (known == null || known.start() != start) {
                known = new ThreadLife(start, proc.tgid(tid));
                synchronized (lives) {
                    lives.put(tid, known);
                }
            }
            if (file != null) {
                OpenLife previous;
                synchronized (open) {
                    previous = open.put(tid, new OpenLife(known, file));
                }
                file = null;
                if (previous != null) {
                    previous.stat().close(); // two requests of one new thread raced here
                }
            }
            return new Caller(tid, known.tgid(), uid, gid, start, stat.codeStart());
        } finally {
            if (file != null) {
                file.close();
            }
        }
    }

    int remembered() {
        synchronized (lives) {
            return lives.size();
        }
    }

    int open() {
        synchronized (open) {
            return open.size();
        }
    }

    /** Closes every stat file held open. */
    @Override
    public void close() {
        synchronized (open) {
            open.values().forEach(l -> l.stat().close());
            open.clear();
        }
    }
}
