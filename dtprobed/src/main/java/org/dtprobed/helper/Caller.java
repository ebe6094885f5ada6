package org.dtprobed.helper;

/**
 * Who sent a helper ioctl.
 *
 * @param tid        the calling thread as the kernel reports it in {@code fuse_in_header.pid}
 * @param pid        the process: the thread group of {@code tid} ({@code Tgid} in {@code /proc/<tid>/status});
 *                   registrations belong to this id, so a DOF registered from a worker thread lands under
 *                   its process (reference §2.2, §7.3 item 14)
 * @param uid        the caller's fsuid
 * @param gid        the caller's fsgid
 * @param threadStart start time of {@code tid} in clock ticks since boot, as read while resolving it,
 *                   or {@link #UNKNOWN_START}; for the main thread ({@code tid == pid}) it is the
 *                   process's start time, which the registration path then need not read again
 * @param codeStart  the process's {@code start_code} as read with {@code threadStart} (any thread's stat
 *                   shows its process's), an address in the executable's text; 0 when unknown
 */
public record Caller(int tid, int pid, int uid, int gid, long threadStart, long codeStart) {
    public static final long UNKNOWN_START = -1;

    public Caller(int tid, int pid, int uid, int gid) {
        this(tid, pid, uid, gid, UNKNOWN_START, 0);
    }

    public Caller(int tid, int pid, int uid, int gid, long threadStart) {
        this(tid, pid, uid, gid, threadStart, 0);
    }

    /** The process's start time when it was read with the caller (the main thread called), else unknown. */
    public long processStart() {
        return tid == pid ? threadStart : UNKNOWN_START;
    }
}
