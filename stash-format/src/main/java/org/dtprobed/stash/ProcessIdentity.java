package org.dtprobed.stash;

/**
 * What tells one life of a pid from another: the process start time (field 22 of
 * {@code /proc/<pid>/stat}, in clock ticks since boot) changes when the pid is reused; the
 * executable's dev/inode changes on exec.
 */
public record ProcessIdentity(long startTime, long execDev, long execInode) {
    /** Same process life (pid not reused). */
    public boolean sameLife(ProcessIdentity o) {
        return startTime == o.startTime;
    }

    /** Same life and same executable image (no exec since). */
    public boolean sameImage(ProcessIdentity o) {
        return sameLife(o) && execDev == o.execDev && execInode == o.execInode;
    }
}
