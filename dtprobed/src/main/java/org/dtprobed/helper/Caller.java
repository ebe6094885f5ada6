package org.dtprobed.helper;

/**
 * Who sent a helper ioctl.
 *
 * @param tid the calling thread as the kernel reports it in {@code fuse_in_header.pid}
 * @param pid the process: the thread group of {@code tid} ({@code Tgid} in {@code /proc/<tid>/status});
 *            registrations belong to this id, so a DOF registered from a worker thread lands under
 *            its process (reference §2.2, §7.3 item 14)
 * @param uid the caller's fsuid
 * @param gid the caller's fsgid
 */
public record Caller(int tid, int pid, int uid, int gid) {
}
